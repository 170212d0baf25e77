package raftkv.transport;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.Message;
import raftkv.raft.SnapshotMeta;
import raftkv.security.MemberIdentity;
import raftkv.security.Tls;
import raftkv.security.TlsErrors;
import raftkv.util.QuietLog;

/**
 * The receiving end of the Raft RPC: an HTTP server on the node's {@code raftPort}.
 *
 * <ul>
 *   <li>{@code POST /raft/v1/messages} with a {@link RaftJson} body and the cluster token in
 *       {@value #TOKEN_HEADER}: the messages go to the inbox, then the answer is {@code 204}. The
 *       answer means "handed to the node", not "acted upon": Raft's replies are messages of
 *       their own, sent back later (after the disk write, say).
 *   <li>{@code GET /raft/v1/health}: {@code 200}.
 * </ul>
 *
 * <p>A malformed or unauthorized RPC gets {@code 400} with a JSON {@code {"error": ...}} and does
 * not reach the inbox: a wrong or missing token, a body that {@link RaftJson} refuses, a batch
 * for another node or from a node that is not a peer.
 *
 * <p>With TLS on, the port speaks only TLS and takes only connections whose certificate is
 * signed by the cluster's CA and names a member ({@link MemberIdentity}); the TLS handshake
 * refuses the others before any request is read. A batch or snapshot piece then must come from
 * the member the certificate names, else it is refused with {@code 403}: a member's certificate
 * cannot speak for another. A body over the limit gets {@code 413},
 * a wrong method {@code 405}, an unknown route {@code 404}; all errors are JSON.
 *
 * <p>Started on the node's event loop, the server runs its handlers, and so the inbox, there.
 */
public final class RaftRpcServer {

  public static final String MESSAGES_PATH = "/raft/v1/messages";
  public static final String HEALTH_PATH = "/raft/v1/health";
  public static final String SNAPSHOT_PATH = "/raft/v1/snapshot";

  /**
   * Takes a piece of a snapshot; the future holds the offset the receiver wants next (the
   * file's size when the piece did not start there), or fails with what was wrong.
   */
  public interface SnapshotInbox {
    Future<Long> chunk(SnapshotChunk chunk, Buffer data);
  }

  /** Refuses every snapshot: for tests and nodes that take none. */
  public static final SnapshotInbox NO_SNAPSHOTS = (chunk, data) ->
      Future.failedFuture(new IllegalStateException("this node takes no snapshots"));

  /** The largest snapshot piece taken, and so the body limit of {@value #SNAPSHOT_PATH}. */
  public static final int MAX_CHUNK_BYTES = 8 << 20;
  public static final String TOKEN_HEADER = "X-Raftkv-Cluster-Token";

  private static final Logger LOG = LoggerFactory.getLogger(RaftRpcServer.class);

  /** What the server has taken in and refused since it started. */
  public record Stats(long acceptedRequests, long receivedMessages, long refusedRequests) {}

  private final int nodeId;
  private final byte[] token;
  private final long maxBodyBytes;
  private final Consumer<List<Message>> inbox;
  private final SnapshotInbox snapshotInbox;
  private final QuietLog refusalWarnings;
  private final AtomicLong acceptedRequests = new AtomicLong();
  private final AtomicLong receivedMessages = new AtomicLong();
  private final AtomicLong refusedRequests = new AtomicLong();
  private final boolean tlsOn;
  /** The member each open TLS connection's certificate names, found at its first request. */
  private final Map<HttpConnection, Integer> connectionMembers = new HashMap<>();
  private HttpServer server;

  private RaftRpcServer(TransportSettings settings, Tls tls, Consumer<List<Message>> inbox,
      SnapshotInbox snapshotInbox) {
    this.tlsOn = tls.enabled();
    this.snapshotInbox = snapshotInbox;
    this.nodeId = settings.nodeId();
    this.token = settings.clusterToken().getBytes(StandardCharsets.UTF_8);
    this.maxBodyBytes = settings.options().maxBodyBytes();
    this.inbox = inbox;
    this.refusalWarnings = new QuietLog(LOG, settings.options().warningIntervalMs());
  }

  /**
   * Listens on {@code settings.bindHost()} and {@code settings.port()} (0: any free port).
   * Call it on the node's event loop: the inbox is called there.
   */
  public static Future<RaftRpcServer> start(Vertx vertx, TransportSettings settings,
      Consumer<List<Message>> inbox) {
    return start(vertx, settings, Tls.OFF, inbox, NO_SNAPSHOTS);
  }

  /**
   * As {@link #start(Vertx, TransportSettings, Consumer)}, over {@code tls} when it is on, taking
   * snapshots into {@code snapshots}.
   */
  public static Future<RaftRpcServer> start(Vertx vertx, TransportSettings settings, Tls tls,
      Consumer<List<Message>> inbox, SnapshotInbox snapshots) {
    RaftRpcServer rpc = new RaftRpcServer(settings, tls, inbox, snapshots);
    return vertx.createHttpServer(tls.peerServer(new io.vertx.core.http.HttpServerOptions()))
        .requestHandler(rpc.router(vertx))
        .connectionHandler(connection -> {
          connection.exceptionHandler(rpc::connectionFailed);
          if (rpc.tlsOn) connection.closeHandler(v -> rpc.connectionMembers.remove(connection));
        })
        .exceptionHandler(rpc::handshakeFailed)
        .listen(settings.port(), settings.bindHost())
        .recover(cause -> Future.failedFuture(new IllegalStateException("cannot take Raft RPCs on "
            + settings.bindHost() + ":" + settings.port() + " (" + cause.getMessage()
            + "): check that no other process uses the port and that bindHost is an address of"
            + " this machine", cause)))
        .map(server -> {
          rpc.server = server;
          tls.track(server, true);
          LOG.info("node {} takes Raft RPCs on {}:{}{}", rpc.nodeId, settings.bindHost(),
              server.actualPort(), rpc.tlsOn ? " (TLS by " + tls.engineName()
              + ", peers' certificates required)" : "");
          return rpc;
        });
  }

  /** The port the server listens on (the real one when 0 was configured). */
  public int port() {
    return server.actualPort();
  }

  public Stats stats() {
    return new Stats(acceptedRequests.get(), receivedMessages.get(), refusedRequests.get());
  }

  public Future<Void> close() {
    return server.close();
  }

  private Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    // The token is checked before the body is read, so strangers cannot make us buffer
    // megabytes. Vert.x Web wants body handlers first on a route, so the check is a route of
    // its own that passes on to the next one.
    router.post(MESSAGES_PATH).handler(this::checkToken);
    router.post(MESSAGES_PATH)
        .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
        .handler(this::handleMessages);
    router.post(SNAPSHOT_PATH).handler(this::checkToken);
    router.post(SNAPSHOT_PATH)
        .handler(BodyHandler.create(false).setBodyLimit(MAX_CHUNK_BYTES + 1024))
        .handler(this::handleSnapshotChunk);
    router.get(HEALTH_PATH).handler(this::handleHealth);
    // Without these, Vert.x answers in HTML or with no body, and logs the unhandled ones.
    router.errorHandler(400, rc -> sendError(rc, 400, "bad request"));
    router.errorHandler(404, rc -> sendError(rc, 404, "no such route: " + describe(rc)));
    router.errorHandler(405, this::handleWrongMethod);
    router.errorHandler(413, rc -> sendError(rc, 413,
        "the body is over this node's limit of " + maxBodyBytes + " bytes"));
    router.errorHandler(500, this::handleFailure);
    return router;
  }

  private void checkToken(RoutingContext rc) {
    String presented = rc.request().getHeader(TOKEN_HEADER);
    if (presented == null) {
      refuse(rc, "missing header " + TOKEN_HEADER);
    } else if (!MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
      // isEqual takes the same time wherever the first difference is
      refuse(rc, "wrong cluster token: the sender belongs to another cluster or is misconfigured");
    } else {
      rc.next();
    }
  }

  private void handleMessages(RoutingContext rc) {
    Batch batch;
    try {
      batch = RaftJson.decode(rc.body().buffer());
    } catch (MalformedRpcException e) {
      refuse(rc, e.getMessage());
      return;
    }
    if (batch.to() != nodeId) {
      refuse(rc, "the messages are for node " + batch.to() + ", but this is node " + nodeId);
    } else if (!certificateNames(rc, batch.from())) {
      return;
    } else if (batch.from() == nodeId) {
      // Any other sender may be a member this node does not know of yet (the configuration
      // changes through the log): the cluster token vouches for it, and the core ignores what
      // a non-member says beyond its term.
      refuse(rc, "the messages claim to come from node " + nodeId + " itself");
    } else {
      acceptedRequests.incrementAndGet();
      receivedMessages.addAndGet(batch.messages().size());
      inbox.accept(batch.messages());
      rc.response().setStatusCode(204).end();
    }
  }

  /**
   * A piece of a snapshot: its place in the snapshot in headers ({@link SnapshotChunk}), the
   * bytes as the body. Answered {@code 200 {"next": offset}} once written, or 409 with the
   * error when the receiver cannot take it now (another transfer, a newer term).
   */
  private void handleSnapshotChunk(RoutingContext rc) {
    SnapshotChunk chunk;
    try {
      chunk = parseChunk(rc);
    } catch (IllegalArgumentException e) {
      refuse(rc, "bad snapshot piece: " + e.getMessage());
      return;
    }
    if (chunk.to() != nodeId) {
      refuse(rc, "the snapshot is for node " + chunk.to() + ", but this is node " + nodeId);
      return;
    }
    if (chunk.from() == nodeId) {
      refuse(rc, "the snapshot claims to come from node " + nodeId + " itself");
      return;
    }
    if (!certificateNames(rc, chunk.from())) return;
    acceptedRequests.incrementAndGet();
    snapshotInbox.chunk(chunk, rc.body().buffer() == null
            ? Buffer.buffer() : rc.body().buffer())
        .onSuccess(next -> rc.json(new JsonObject().put("next", next)))
        .onFailure(e -> sendError(rc, 409, e.getMessage()));
  }

  private static SnapshotChunk parseChunk(RoutingContext rc) {
    MultiMap h = rc.request().headers();
    long index = longHeader(h, SnapshotChunk.INDEX);
    long term = longHeader(h, SnapshotChunk.SNAPSHOT_TERM);
    if (index < 1 || term < 1) throw new IllegalArgumentException("no snapshot index and term");
    return new SnapshotChunk((int) longHeader(h, SnapshotChunk.FROM),
        (int) longHeader(h, SnapshotChunk.TO), longHeader(h, SnapshotChunk.TERM),
        new SnapshotMeta(index, term), longHeader(h, SnapshotChunk.OFFSET),
        "true".equals(h.get(SnapshotChunk.LAST)));
  }

  private static long longHeader(MultiMap headers, String name) {
    String value = headers.get(name);
    if (value == null) throw new IllegalArgumentException("missing header " + name);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("header " + name + " is not a number: " + value);
    }
  }

  /**
   * With TLS, whether the connection's certificate names {@code sender}; if not, the request is
   * answered 403. Without TLS the cluster token alone vouches for the sender.
   */
  private boolean certificateNames(RoutingContext rc, int sender) {
    if (!tlsOn) return true;
    HttpConnection connection = rc.request().connection();
    Integer named = connectionMembers.get(connection);
    if (named == null) {
      named = memberOf(connection).orElse(0);
      connectionMembers.put(connection, named);
    }
    if (named == sender) return true;
    refuse(rc, 403, named == 0
        ? "the connection's certificate names no member"
        : "the certificate names member " + named + ", but the request claims to come from node "
            + sender + ": a member's certificate speaks for that member only");
    return false;
  }

  private static OptionalInt memberOf(HttpConnection connection) {
    try {
      List<Certificate> chain = connection.peerCertificates();
      if (chain != null && !chain.isEmpty() && chain.get(0) instanceof X509Certificate leaf) {
        return MemberIdentity.memberId(leaf);
      }
    } catch (SSLPeerUnverifiedException e) {
      // no certificate: names no member
    }
    return OptionalInt.empty();
  }

  private void handleHealth(RoutingContext rc) {
    rc.json(new JsonObject().put("status", "ok").put("nodeId", nodeId));
  }

  private void handleWrongMethod(RoutingContext rc) {
    String path = rc.request().path();
    String allowed = MESSAGES_PATH.equals(path) || SNAPSHOT_PATH.equals(path) ? "POST" : "GET";
    rc.response().putHeader(HttpHeaders.ALLOW, allowed);
    sendError(rc, 405, rc.request().method() + " is not allowed on " + path + " (use " + allowed
        + ")");
  }

  private void handleFailure(RoutingContext rc) {
    LOG.error("node {}: handling Raft RPC {} failed", nodeId, describe(rc), rc.failure());
    sendError(rc, 500, "internal error in node " + nodeId + "; see its log");
  }

  /**
   * A peer that crashes or times out mid-request breaks its connection: that is the sender's
   * concern (it counts the failed request), so this side notes it at DEBUG only, where Vert.x
   * would log an ERROR.
   */
  private void connectionFailed(Throwable cause) {
    LOG.debug("node {}: a Raft RPC connection failed: {}", nodeId, cause.toString());
  }

  /**
   * A connection that failed before its first request: with TLS, a peer without a certificate
   * of the cluster's CA, an expired one, or a client that sent plain HTTP. The node goes on
   * serving everyone else; this says once in a while who failed and why.
   */
  private void handshakeFailed(Throwable cause) {
    if (!tlsOn) {
      connectionFailed(cause);
      return;
    }
    refusedRequests.incrementAndGet();
    String why = TlsErrors.describe(cause);
    if (why.contains("does not speak TLS")) {
      why = "a client sent plain HTTP to this TLS port: peers must dial https (tls.enabled on"
          + " every member)";
    }
    if (!refusalWarnings.warn("handshake: " + why, "node {} refused a connection to its Raft port: {}",
        nodeId, why)) {
      LOG.debug("node {} refused a connection to its Raft port: {}", nodeId, why);
    }
  }

  private void refuse(RoutingContext rc, String reason) {
    refuse(rc, 400, reason);
  }

  private void refuse(RoutingContext rc, int status, String reason) {
    refusedRequests.incrementAndGet();
    String from = String.valueOf(rc.request().remoteAddress());
    if (!refusalWarnings.warn("refused", "node {} refused a Raft RPC from {}: {}", nodeId, from,
        reason)) {
      LOG.debug("node {} refused a Raft RPC from {}: {}", nodeId, from, reason);
    }
    sendError(rc, status, reason);
  }

  private static void sendError(RoutingContext rc, int status, String message) {
    HttpServerResponse response = rc.response();
    if (response.headWritten()) return; // too late to say anything; the peer sees a broken reply
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", message).encode());
  }

  private static String describe(RoutingContext rc) {
    String path = rc.request().path();
    if (path != null && path.length() > 200) path = path.substring(0, 200) + "...";
    return rc.request().method() + " " + path;
  }
}
