package raftkv.transport;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.InstallSnapshot;
import raftkv.raft.Message;
import raftkv.security.Tls;
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
 * {@code host} and {@code raftPort} in the configuration) or, as the configuration changes, at
 * those the log's configuration entries give ({@link #setPeers}), so operators can put proxies in
 * between.
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
  private final TransportSettings settings;
  private final Map<Integer, HttpClientAgent> snapshotClients = new TreeMap<>();
  private final Vertx vertx;
  private final Tls tls;

  private Transport(Vertx vertx, Context context, Thread loop, TransportSettings settings,
      Tls tls, RaftRpcServer server) {
    this.nodeId = settings.nodeId();
    this.context = context;
    this.loop = loop;
    this.server = server;
    this.misrouteWarnings = new QuietLog(LOG, settings.options().warningIntervalMs());
    this.settings = settings;
    this.vertx = vertx;
    this.tls = tls;
    for (TransportSettings.Peer p : settings.peers()) {
      peers.put(p.id(), new PeerSender(vertx, context, nodeId, p.id(), p.host(), p.port(),
          settings.clusterToken(), settings.options(), tls));
    }
  }

  /**
   * The client snapshots go to {@code peerId} by, made at its first snapshot: with TLS, it takes
   * only a certificate that names that peer.
   */
  private HttpClientAgent snapshotClient(int peerId) {
    return snapshotClients.computeIfAbsent(peerId, id -> {
      HttpClientAgent client = vertx.httpClientBuilder()
          .with(tls.peerClient(new HttpClientOptions().setKeepAlive(true)
              .setMetricsName("raft-snapshots")
              .setConnectTimeout(settings.options().connectTimeoutMs()), id))
          // a reset reaches the transfer under way; unhandled, Vert.x would log it as an ERROR
          .withConnectHandler(connection -> connection.exceptionHandler(e ->
              LOG.debug("node {}: snapshot connection failed: {}", nodeId, e.toString())))
          .build();
      tls.track(client, id);
      return client;
    });
  }

  /**
   * Starts the server on this node's {@code raftPort} and a sender for every other member.
   *
   * @param inbox takes each batch of messages that arrives, on this event loop, before the
   *     sender gets its answer; it must not block
   */
  public static Future<Transport> start(Vertx vertx, TransportSettings settings,
      Consumer<List<Message>> inbox) {
    return start(vertx, settings, Tls.OFF, inbox, RaftRpcServer.NO_SNAPSHOTS);
  }

  /**
   * As {@link #start(Vertx, TransportSettings, Consumer)}, over {@code tls} (peers then prove
   * who they are with certificates), taking snapshots into {@code snapshots}.
   */
  public static Future<Transport> start(Vertx vertx, TransportSettings settings, Tls tls,
      Consumer<List<Message>> inbox, RaftRpcServer.SnapshotInbox snapshots) {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      return Future.failedFuture(new IllegalStateException(
          "start the transport on the node's event loop, in its verticle"));
    }
    Thread loop = Thread.currentThread();
    return RaftRpcServer.start(vertx, settings, tls, inbox, snapshots)
        .map(server -> new Transport(vertx, context, loop, settings, tls, server));
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
    if (peer == null || m.from() != nodeId || m instanceof InstallSnapshot) {
      // an InstallSnapshot travels as pieces of its snapshot (sendSnapshotChunk), not in a batch
      misrouteWarnings.warn("misrouted", "node {} dropped a message it cannot send: {} (its peers"
          + " are {})", nodeId, m, peers.keySet());
      return;
    }
    peer.send(m);
  }

  /**
   * Sends one piece of a snapshot to {@code chunk.to()} and says which offset the peer wants
   * next. Fails if the peer cannot be reached or refuses the piece. Call on the event loop.
   */
  public Future<Long> sendSnapshotChunk(SnapshotChunk chunk, Buffer data) {
    PeerSender peer = peers.get(chunk.to());
    if (peer == null) {
      return Future.failedFuture(new IllegalArgumentException("node " + chunk.to()
          + " is not a peer"));
    }
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(peer.host()).setPort(peer.port()).setURI(RaftRpcServer.SNAPSHOT_PATH)
        .setIdleTimeout(settings.options().requestTimeoutMs())
        .putHeader(RaftRpcServer.TOKEN_HEADER, settings.clusterToken())
        .putHeader(SnapshotChunk.FROM, Integer.toString(chunk.from()))
        .putHeader(SnapshotChunk.TO, Integer.toString(chunk.to()))
        .putHeader(SnapshotChunk.TERM, Long.toString(chunk.term()))
        .putHeader(SnapshotChunk.INDEX, Long.toString(chunk.snapshot().index()))
        .putHeader(SnapshotChunk.SNAPSHOT_TERM, Long.toString(chunk.snapshot().term()))
        .putHeader(SnapshotChunk.OFFSET, Long.toString(chunk.offset()))
        .putHeader(SnapshotChunk.LAST, Boolean.toString(chunk.last()));
    return snapshotClient(chunk.to()).request(request)
        .compose(req -> req.send(data))
        .compose(response -> response.body().compose(body -> {
          if (response.statusCode() != 200) {
            return Future.failedFuture(new IllegalStateException("node " + chunk.to()
                + " refused a snapshot piece (" + response.statusCode() + "): " + body));
          }
          try {
            return Future.succeededFuture(body.toJsonObject().getLong("next"));
          } catch (RuntimeException e) {
            return Future.failedFuture(new IllegalStateException("node " + chunk.to()
                + " answered a snapshot piece with " + body));
          }
        }));
  }

  /**
   * The configuration changed: from now on the peers are {@code next} (at those addresses).
   * Senders for new members start; those of members that left close, dropping what they hold.
   * An address that changed is dialled from the next message on. Call on the event loop.
   */
  public void setPeers(List<TransportSettings.Peer> next) {
    Map<Integer, TransportSettings.Peer> wanted = new TreeMap<>();
    for (TransportSettings.Peer p : next) if (p.id() != nodeId) wanted.put(p.id(), p);
    peers.entrySet().removeIf(e -> {
      if (wanted.containsKey(e.getKey())) return false;
      e.getValue().close();
      HttpClientAgent snapshots = snapshotClients.remove(e.getKey());
      if (snapshots != null) {
        tls.untrack(snapshots);
        snapshots.close();
      }
      return true;
    });
    wanted.forEach((id, p) -> {
      PeerSender sender = peers.get(id);
      if (sender == null) {
        peers.put(id, new PeerSender(vertx, context, nodeId, id, p.host(), p.port(),
            settings.clusterToken(), settings.options(), tls));
      } else if (!sender.host().equals(p.host()) || sender.port() != p.port()) {
        sender.updateAddress(p.host(), p.port());
      }
    });
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
      for (HttpClientAgent client : snapshotClients.values()) closing.add(client.close());
      Future.join(closing).<Void>mapEmpty().onComplete(closed);
    });
    return closed.future();
  }
}
