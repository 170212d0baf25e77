package raftkv.server;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import raftkv.kv.KvCommand;
import raftkv.kv.KvStateMachine;
import raftkv.raft.Entry;

/**
 * A stand-in for a node's RaftVerticle on the local event bus: a real {@link KvStateMachine} that
 * applies every write as the next log entry when this node "leads", NOT_LEADER when another does,
 * and failures, silence or held-back replies on demand. Stale reads are served locally whoever
 * leads, as a follower does.
 */
final class FakeNode {

  final int id;
  private final Vertx vertx;
  private final KvStateMachine store = new KvStateMachine();
  private long lastIndex;
  private MessageConsumer<Object> consumer;

  /** The node this one says leads; 0 for none. */
  volatile int leaderId;
  volatile long term = 1;
  /** Never reply to key-value requests (a node stuck mid-commit). */
  volatile boolean silent;
  /** Keep replies back until {@link #releaseHeld()}. */
  volatile boolean holdReplies;

  /** How many Status requests (GET /v1/cluster at its front end) it has answered. */
  final AtomicInteger statusAnswered = new AtomicInteger();
  /** Every key-value request received, in order (Status requests are not recorded). */
  final List<NodeRequest> received = new CopyOnWriteArrayList<>();
  private final Queue<Integer> failures = new ConcurrentLinkedQueue<>();
  private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();

  private FakeNode(Vertx vertx, int id, int leaderId) {
    this.vertx = vertx;
    this.id = id;
    this.leaderId = leaderId;
  }

  /** A node listening at {@link NodeBus#address}({@code id}) that thinks {@code leaderId} leads. */
  static FakeNode start(Vertx vertx, int id, int leaderId) {
    FakeNode node = new FakeNode(vertx, id, leaderId);
    NodeBus.registerCodecs(vertx);
    node.consumer = vertx.eventBus().consumer(NodeBus.address(id), node::handle);
    node.consumer.completion().await();
    return node;
  }

  void stop() {
    consumer.unregister().await();
  }

  /** The next key-value request fails with {@code code} (a {@link NodeBus} failure code). */
  void failNext(int code) {
    failures.add(code);
  }

  void releaseHeld() {
    holdReplies = false;
    for (Runnable reply = held.poll(); reply != null; reply = held.poll()) {
      Runnable send = reply;
      vertx.runOnContext(v -> send.run());
    }
  }

  List<KvCommand> writes() {
    List<KvCommand> writes = new ArrayList<>();
    for (NodeRequest r : received) {
      if (r instanceof NodeRequest.Write w) writes.add(w.command());
    }
    return writes;
  }

  private void handle(Message<Object> message) {
    Object request = message.body();
    if (request instanceof NodeRequest.Status) {
      message.reply(status());
      statusAnswered.incrementAndGet();
      return;
    }
    received.add((NodeRequest) request);
    Integer failure = failures.poll();
    if (failure != null) {
      message.fail(failure,
          failure == NodeBus.NOT_LEADER ? Integer.toString(leaderId) : "injected");
    } else if (silent) {
      // no answer: the front end's deadline decides
    } else if (leaderId != id && !isStaleRead(request)) {
      message.fail(NodeBus.NOT_LEADER, Integer.toString(leaderId));
    } else if (holdReplies) {
      Object reply = serve(request);
      held.add(() -> message.reply(reply));
    } else {
      message.reply(serve(request));
    }
  }

  private static boolean isStaleRead(Object request) {
    return (request instanceof NodeRequest.Read r && !r.linearizable())
        || (request instanceof NodeRequest.Range r2 && !r2.linearizable());
  }

  private Object serve(Object request) {
    if (request instanceof NodeRequest.Write write) {
      return store.apply(new Entry(++lastIndex, term, write.command().encode()));
    }
    if (request instanceof NodeRequest.Read read) {
      return new ReadReply(store.get(read.key()).orElse(null), store.appliedIndex());
    }
    NodeRequest.Range range = (NodeRequest.Range) request;
    return new RangeReply(store.range(range.prefix(), range.limit()), store.appliedIndex());
  }

  private JsonObject status() {
    return new JsonObject()
        .put("id", id)
        .put("role", leaderId == id ? "LEADER" : "FOLLOWER")
        .put("term", term)
        .put("leaderId", leaderId)
        .put("commitIndex", lastIndex)
        .put("lastApplied", lastIndex)
        .put("members", new JsonArray());
  }
}
