package raftkv.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-facing front end: serves the client HTTP API of API.md.
 *
 * <p>It runs in one of two modes, chosen by the configuration:
 *
 * <ul>
 *   <li><b>In a node</b> ({@code nodeId} of a member): listens on that member's {@code clientPort}
 *       and serves through the node's {@code RaftVerticle} on the local event bus ({@link
 *       NodeBus}); when the node does not lead, the request is forwarded to the leader's front end
 *       and its answer relayed.
 *   <li><b>As a standalone gateway</b> ({@code nodeId} 0): listens on {@code gatewayPort}, finds
 *       the leader by polling every member's {@code GET /v1/cluster}, and forwards every request
 *       to it.
 * </ul>
 *
 * <p>Both bind to {@code bindHost}; a port of 0 picks a free port ({@link #actualPort()}). Every
 * input is checked before anything is sent on ({@link KvRequestParser}); at most {@code
 * limits.maxInflightRequests} requests are held at once (429 beyond); each request is answered
 * within {@code limits.requestTimeoutMs} (then 504 for a write whose fate is unknown, 503
 * otherwise).
 *
 * <p>Deploy one instance per front end: the in-flight limit is counted per instance.
 */
public final class FrontEndVerticle extends VerticleBase {

  /** How often a gateway asks the members who leads. */
  public static final long GATEWAY_POLL_INTERVAL_MS = 500;

  private static final Logger log = LoggerFactory.getLogger(FrontEndVerticle.class);

  /** The paths of one key: {@code /v1/kv/} and the key, which may contain slashes. */
  private static final String KEY_ROUTE = KvRequestParser.KEY_PATH_PREFIX + ".*";

  private final NodeConfig config;
  private final NodeChannel node;
  private KvRequestParser parser;
  private LeaderForwarder forwarder;
  private ClientDispatcher dispatcher;
  private HttpServer server;

  /** Without a channel, a node's front end asks its node over the local event bus. */
  public FrontEndVerticle(NodeConfig config) {
    this(config, null);
  }

  /**
   * @param node how to ask this node ({@link RaftVerticle#channel()} in a node's process); null
   *     for the local event bus, and ignored by a gateway
   */
  public FrontEndVerticle(NodeConfig config, NodeChannel node) {
    this.config = config;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    parser = new KvRequestParser(config.limits(), config.requestIds());
    forwarder = new LeaderForwarder(vertx);
    dispatcher = config.isGateway() ? startGateway() : startInNode();
    server = vertx.createHttpServer(serverOptions()).requestHandler(router());
    return server.listen(configuredPort(), config.bindHost())
        .onSuccess(listening -> log.info("{} serves clients on http://{}:{}", who(),
            config.bindHost(), listening.actualPort()))
        .recover(this::failedToListen);
  }

  /** A failed start gets no {@link #stop()}: close what was opened, and say what went wrong. */
  private Future<HttpServer> failedToListen(Throwable cause) {
    String where = config.bindHost() + ":" + configuredPort();
    return Future.join(dispatcher.close(), forwarder.close()).transform(closed ->
        Future.failedFuture(new IllegalStateException(who() + " cannot serve clients on " + where
            + " (" + cause.getMessage() + "): check that no other process uses the port and that"
            + " bindHost is an address of this machine", cause)));
  }

  private String who() {
    return config.isGateway() ? "Gateway" : "Node " + config.nodeId();
  }

  private ClientDispatcher startInNode() {
    NodeChannel channel = node != null ? node : NodeChannel.eventBus(vertx, config.nodeId());
    return new LocalNodeDispatcher(channel, config, forwarder);
  }

  private ClientDispatcher startGateway() {
    long pollTimeout = Math.min(GATEWAY_POLL_INTERVAL_MS, config.limits().requestTimeoutMs());
    LeaderFinder finder = new LeaderFinder(vertx, config.members(), GATEWAY_POLL_INTERVAL_MS,
        pollTimeout);
    finder.start();
    return new GatewayDispatcher(vertx, finder, forwarder,
        config.requestIds().gatewayRetentionMs());
  }

  /** The port the front end listens on (the configured one, or the one picked for port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private int configuredPort() {
    return config.isGateway() ? config.gatewayPort() : config.self().clientPort();
  }

  private HttpServerOptions serverOptions() {
    // Room for a key at its limit with every byte percent-encoded, and then some, so that an
    // oversized key gets the API's 413 rather than the server's 414.
    int longestLine = Math.max(4096, 6 * config.limits().maxKeyBytes() + 4096);
    return new HttpServerOptions().setMaxInitialLineLength(longestLine);
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.get("/health").handler(rc ->
        HttpAnswer.json(200, new JsonObject().put("status", "ok")).writeTo(rc.response()));
    router.route("/v1/*").handler(new InflightLimiter(config.limits().maxInflightRequests()));
    router.route("/v1/*").handler(new BodyReader(config.limits().maxValueBytes()));
    router.get("/v1/cluster").handler(rc -> relay(rc,
        dispatcher.cluster("true".equals(rc.request().getParam("digest")), newDeadline())));
    router.get("/v1/kv").handler(rc -> serveKv(rc, parser::list));
    router.routeWithRegex(HttpMethod.GET, KEY_ROUTE).handler(rc -> serveKv(rc, parser::get));
    router.routeWithRegex(HttpMethod.PUT, KEY_ROUTE).handler(rc -> serveKv(rc, parser::put));
    router.routeWithRegex(HttpMethod.DELETE, KEY_ROUTE).handler(rc -> serveKv(rc, parser::delete));
    RouterErrors.install(router);
    return router;
  }

  private void serveKv(RoutingContext rc, Function<RoutingContext, KvRequest> parse) {
    Deadline deadline = newDeadline();
    KvRequest request;
    try {
      request = parse.apply(rc);
    } catch (RejectedRequest rejected) {
      rejected.answer().writeTo(rc.response());
      return;
    }
    relay(rc, dispatcher.kv(request, ForwardableRequest.of(rc, request), deadline));
  }

  private Deadline newDeadline() {
    return Deadline.in(config.limits().requestTimeoutMs());
  }

  private static void relay(RoutingContext rc, Future<HttpAnswer> answer) {
    answer.onComplete(done -> {
      if (done.succeeded()) {
        done.result().writeTo(rc.response());
      } else {
        rc.fail(500, done.cause());
      }
    });
  }

  /**
   * Takes no new connections and lets the requests under way finish, up to their deadline: a
   * node stopping alongside answers its waiting writes 504 ("may or may not be committed"), and
   * a client should hear that rather than see its connection cut.
   */
  @Override
  public Future<?> stop() {
    Future<Void> serverClosed = server == null ? Future.succeededFuture()
        : server.shutdown(config.limits().requestTimeoutMs() + 1_000L, TimeUnit.MILLISECONDS);
    return serverClosed.eventually(() -> Future.join(dispatcher.close(), forwarder.close()));
  }
}
