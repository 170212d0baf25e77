package raftkv.transport;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.Message;
import raftkv.util.QuietLog;

/**
 * Raft messages between nodes, as HTTP/JSON: one {@link RaftRpcServer} for what comes in and one
 * {@link PeerSender} per peer for what goes out.
 *
 * <p>Messages are one-way. {@link #send} hands a message over and returns; whether it arrives
 * shows only in the peer's answer, which is a message of its own (Raft's responses are sent when
 * the node is ready, after its disk write, not as HTTP replies). Lost messages are normal, and
 * Raft's heartbeats and retries make up for them.
 *
 * <p>Peers are dialled only at the addresses in the {@link TransportSettings} (from each member's
 * {@code host} and {@code raftPort} in the configuration), so operators can put proxies in between.
 *
 * <p>Start it on the node's event loop (in its verticle's {@code start()}): the inbox is called
 * there, and every answer from a peer is handled there. Call {@link #send} there too; a call from
 * another thread is moved onto the loop.
 */
public final class Transport {

  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

  private final int nodeId;
  private final Context context;
  private final Thread loop;
  private final RaftRpcServer server;
  private final Map<Integer, PeerSender> peers = new TreeMap<>();
  private final QuietLog misrouteWarnings;

  private Transport(Vertx vertx, Context context, Thread loop, TransportSettings settings,
      RaftRpcServer server) {
    this.nodeId = settings.nodeId();
    this.context = context;
    this.loop = loop;
    this.server = server;
    this.misrouteWarnings = new QuietLog(LOG, settings.options().warningIntervalMs());
    for (TransportSettings.Peer p : settings.peers()) {
      peers.put(p.id(), new PeerSender(vertx, context, nodeId, p.id(), p.host(), p.port(),
          settings.clusterToken(), settings.options()));
    }
  }

  /**
   * Starts the server on this node's {@code raftPort} and a sender for every other member.
   *
   * @param inbox takes each batch of messages that arrives, on this event loop, before the
   *     sender gets its answer; it must not block
   */
  public static Future<Transport> start(Vertx vertx, TransportSettings settings,
      Consumer<List<Message>> inbox) {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      return Future.failedFuture(new IllegalStateException(
          "start the transport on the node's event loop, in its verticle"));
    }
    Thread loop = Thread.currentThread();
    return RaftRpcServer.start(vertx, settings, inbox)
        .map(server -> new Transport(vertx, context, loop, settings, server));
  }

  /**
   * Sends {@code m} to node {@code m.to()}, some time later. Never blocks, never throws; a
   * message for a node that is not a peer, or not from this node, is dropped with a warning.
   */
  public void send(Message m) {
    if (Thread.currentThread() != loop) {
      context.runOnContext(v -> send(m));
      return;
    }
    PeerSender peer = m == null ? null : peers.get(m.to());
    if (peer == null || m.from() != nodeId) {
      misrouteWarnings.warn("misrouted", "node {} dropped a message it cannot send: {} (its peers"
          + " are {})", nodeId, m, peers.keySet());
      return;
    }
    peer.send(m);
  }

  /**
   * Sends later messages for {@code peerId} to {@code host:port}. For tests, whose nodes listen
   * on ports chosen at start. Any thread.
   */
  public void updatePeerAddress(int peerId, String host, int port) {
    PeerSender peer = peers.get(peerId);
    if (peer == null) throw new IllegalArgumentException("node " + peerId + " is not a peer");
    peer.updateAddress(host, port);
  }

  public int nodeId() {
    return nodeId;
  }

  /** The port Raft RPCs come in on (the real one when the configuration says 0). */
  public int port() {
    return server.port();
  }

  /** One entry per peer, by peer id. Any thread. */
  public List<PeerStats> peerStats() {
    List<PeerStats> stats = new ArrayList<>();
    for (PeerSender peer : peers.values()) stats.add(peer.stats());
    return stats;
  }

  /** What has come in. Any thread. */
  public RaftRpcServer.Stats serverStats() {
    return server.stats();
  }

  /** Stops taking messages and drops those not yet sent. Any thread. */
  public Future<Void> close() {
    Promise<Void> closed = Promise.promise();
    context.runOnContext(v -> {
      List<Future<Void>> closing = new ArrayList<>();
      closing.add(server.close());
      for (PeerSender peer : peers.values()) closing.add(peer.close());
      Future.join(closing).<Void>mapEmpty().onComplete(closed);
    });
    return closed.future();
  }
}
