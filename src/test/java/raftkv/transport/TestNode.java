package raftkv.transport;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import raftkv.raft.Message;

/** A node reduced to its transport: a verticle that keeps every message it receives. */
final class TestNode extends VerticleBase {

  private final TransportSettings settings;
  private final List<Message> received = Collections.synchronizedList(new ArrayList<>());
  private final Set<Thread> inboxThreads = ConcurrentHashMap.newKeySet();
  private volatile Thread loop;
  private volatile Transport transport;

  TestNode(TransportSettings settings) {
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    loop = Thread.currentThread();
    return Transport.start(vertx, settings, this::deliver).onSuccess(t -> transport = t);
  }

  @Override
  public Future<?> stop() {
    return transport.close();
  }

  private void deliver(List<Message> messages) {
    inboxThreads.add(Thread.currentThread());
    received.addAll(messages);
  }

  /** Runs {@code action} on this node's event loop, as the node's own code would. */
  void onLoop(Runnable action) {
    context.runOnContext(v -> action.run());
  }

  Transport transport() {
    return transport;
  }

  Thread loop() {
    return loop;
  }

  int receivedCount() {
    return received.size();
  }

  List<Message> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  Set<Thread> inboxThreads() {
    return Set.copyOf(inboxThreads);
  }

  PeerStats statsFor(int peerId) {
    return transport.peerStats().stream().filter(s -> s.peerId() == peerId).findFirst()
        .orElseThrow();
  }
}
