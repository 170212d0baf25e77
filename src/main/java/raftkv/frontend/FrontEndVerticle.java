package raftkv.frontend;

import io.micrometer.core.instrument.Gauge;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig;
import raftkv.metrics.HttpMetrics;
import raftkv.metrics.Metrics;
import raftkv.node.NodeChannel;
import raftkv.node.NodeRequest;
import raftkv.node.RaftVerticle;
import raftkv.security.BearerAuth;
import raftkv.security.Tls;
import raftkv.security.TlsErrors;
import raftkv.util.QuietLog;

/**
 * The client-facing front end: serves the client HTTP API of docs/API.md, and hands each parsed
 * request to a {@link ClientDispatcher}.
 *
 * <p>It runs in one of two modes:
 *
 * <ul>
 *   <li><b>In a node</b> ({@link #inNode}): listens on that member's {@code clientPort} and serves
 *       through the node's {@code RaftVerticle} ({@link LocalNodeDispatcher}); when the node does
 *       not lead, the request is forwarded to the leader's front end and its answer relayed.
 *   <li><b>As a standalone gateway</b> ({@code nodeId} 0, with the dispatcher of the {@code
 *       gateway} package): listens on {@code gatewayPort} and forwards every request to the
 *       leader it follows.
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

  private static final Logger log = LoggerFactory.getLogger(FrontEndVerticle.class);

  /** The paths of one key: {@code /v1/kv/} and the key, which may contain slashes. */
  private static final String KEY_ROUTE = KvRequestParser.KEY_PATH_PREFIX + ".*";

  /** The path of a listing, exactly. */
  private static final String LIST_ROUTE = "/v1/kv";

  private final NodeConfig config;
  private final ClientDispatcher.Factory dispatcherFactory;
  private KvRequestParser parser;
  private ConnectionGuard guard;
  private InflightLimiter inflight;
  private LeaderForwarder forwarder;
  private ClientDispatcher dispatcher;
  private HttpServer server;
  private Metrics metrics = Metrics.off();
  private HttpMetrics httpMetrics; // null while metrics are off
  private Dashboard dashboard;
  private WatchHub watches; // null in a gateway, which relays watches
  private Tls tls = Tls.OFF;
  private final QuietLog handshakeWarnings = new QuietLog(log, 60_000);

  /**
   * @param dispatcherFactory makes, once the verticle starts, what serves the parsed requests
   */
  public FrontEndVerticle(NodeConfig config, ClientDispatcher.Factory dispatcherFactory) {
    this.config = config;
    this.dispatcherFactory = dispatcherFactory;
  }

  /** Where this front end's metrics go, and what {@code GET /metrics} serves; before deploying. */
  public FrontEndVerticle metrics(Metrics metrics) {
    this.metrics = metrics;
    return this;
  }

  /** A node's own front end, which asks its node through {@code node}. */
  public static FrontEndVerticle inNode(NodeConfig config, NodeChannel node) {
    return new FrontEndVerticle(config,
        (vertx, forwarder, tls) -> new LocalNodeDispatcher(vertx, node, config, forwarder));
  }

  @Override
  public Future<?> start() {
    return Tls.start(vertx, config.tls(), config.nodeId())
        .recover(cause -> Future.failedFuture(new IllegalStateException(who()
            + " cannot serve clients: " + cause.getMessage(), cause)))
        .compose(this::startWith);
  }

  private Future<?> startWith(Tls loaded) {
    tls = loaded;
    NodeConfig.Limits limits = config.limits();
    parser = new KvRequestParser(limits, config.requestIds(), config.leases());
    forwarder = new LeaderForwarder(vertx, config.gateway().connectionsPerNode(), tls);
    dispatcher = dispatcherFactory.create(vertx, forwarder, tls);
    guard = new ConnectionGuard(vertx, limits.maxConnections(), limits.readTimeoutMs(),
        limits.idleTimeoutMs());
    inflight = new InflightLimiter(limits.maxInflightRequests());
    registerMetrics();
    dashboard = new Dashboard(vertx, config, tls);
    if (dispatcher.history() != null) {
      watches = new WatchHub(vertx, dispatcher.history(), config.watch(), who());
      registerWatchMetrics();
    }
    server = vertx.createHttpServer(serverOptions())
        .connectionHandler(guard::opened)
        .exceptionHandler(this::handshakeFailed)
        .invalidRequestHandler(FrontEndVerticle::invalidRequest)
        .requestHandler(guard.watching(router()));
    tls.track(server, false);
    return server.listen(configuredPort(), config.bindHost())
        .onSuccess(listening -> log.info("{} serves clients on {}://{}:{}{}{}", who(),
            tls.scheme(), config.bindHost(), listening.actualPort(),
            tls.enabled() ? " (TLS by " + tls.engineName() + ")" : "",
            config.auth().enabled() ? " (tokens required)" : ""))
        .recover(this::failedToListen);
  }

  private void registerMetrics() {
    if (!metrics.enabled()) return;
    httpMetrics = new HttpMetrics(metrics.registry());
    // read at scrape time, which runs on this front end's loop (serveMetrics)
    Gauge.builder("raftkv.http.requests.inflight", inflight, InflightLimiter::held)
        .description("client requests held now (limits.maxInflightRequests)")
        .register(metrics.registry());
    Gauge.builder("raftkv.http.connections", guard, ConnectionGuard::openConnections)
        .description("open client connections (limits.maxConnections)")
        .register(metrics.registry());
    if (tls.enabled()) {
      // read at scrape time: a reloaded certificate shows at once
      Gauge.builder("raftkv.tls.certificate.not.after", tls,
              t -> t.material().notAfter().getEpochSecond())
          .description("when the certificate in use expires, in seconds since 1970 (UTC)")
          .baseUnit("seconds").register(metrics.registry());
    }
  }

  private void registerWatchMetrics() {
    if (!metrics.enabled()) return;
    Gauge.builder("raftkv.watch.streams", watches, WatchHub::watchers)
        .description("open watch streams (watch.maxWatchers)").register(metrics.registry());
    io.micrometer.core.instrument.FunctionCounter.builder("raftkv.watch.events.sent", watches,
        WatchHub::eventsSent).description("changes sent to watchers")
        .register(metrics.registry());
    io.micrometer.core.instrument.FunctionCounter.builder("raftkv.watch.slow.closed", watches,
        WatchHub::slowClosed).description("watch streams let go for falling behind (resume)")
        .register(metrics.registry());
  }

  /** A failed start gets no {@link #stop()}: close what was opened, and say what went wrong. */
  private Future<HttpServer> failedToListen(Throwable cause) {
    tls.close();
    String where = config.bindHost() + ":" + configuredPort();
    guard.close();
    dashboard.close();
    return Future.join(dispatcher.close(), forwarder.close()).transform(closed ->
        Future.failedFuture(new IllegalStateException(who() + " cannot serve clients on " + where
            + " (" + cause.getMessage() + "): check that no other process uses the port and that"
            + " bindHost is an address of this machine", cause)));
  }

  /**
   * A connection that failed before its first request: with TLS on, plain HTTP sent to the TLS
   * port, or a client that does not trust this node's certificate. The client sees its
   * connection closed; this log says why, once in a while.
   */
  private void handshakeFailed(Throwable cause) {
    if (!tls.enabled()) return; // a connection reset before its first request: nothing to say
    String why = TlsErrors.describe(cause);
    if (why.contains("does not speak TLS")) {
      why = "a client sent plain HTTP to this TLS port: clients must use https://";
    }
    handshakeWarnings.warn(why, "{} refused a client connection: {}", who(), why);
  }

  private String who() {
    return config.isGateway() ? "Gateway" : "Node " + config.nodeId();
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
    // HTTP/1.1 only: without the wait to tell an HTTP/2 preface from HTTP/1, a connection is
    // set up (and watched by the ConnectionGuard) as soon as it is accepted.
    return tls.clientServer(new HttpServerOptions().setMaxInitialLineLength(longestLine)
        .setHttp2ClearTextEnabled(false));
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(guard::requestStarted);
    if (config.auth().enabled()) {
      router.route().handler(new BearerAuth(config.auth(), config.clusterToken()));
    }
    if (httpMetrics != null) router.route().handler(this::measure);
    readRoute(router.route("/metrics")).handler(this::serveMetrics);
    dashboard.install(router);
    readRoute(router.route("/health")).handler(rc ->
        HttpAnswer.json(200, new JsonObject().put("status", "ok")).writeTo(rc.response()));
    readRoute(router.route("/ready")).handler(this::serveReady);
    // streams, outside the in-flight limit: they are held for as long as the client watches
    router.get("/v1/watch").handler(this::serveWatch);
    router.route("/v1/*").handler(new BodyReader(config.limits().maxValueBytes(),
        config.limits().readTimeoutMs(), guard, inflight::full));
    router.route("/v1/*").handler(inflight); // keep-alives pass: see InflightLimiter
    readRoute(router.route("/v1/cluster")).handler(rc -> relay(rc,
        dispatcher.cluster("true".equals(rc.request().getParam("digest")), newDeadline())));
    // exactly /v1/kv: a plain path would also match /v1/kv/, which is the (empty) key's path
    readRoute(router.routeWithRegex(LIST_ROUTE)).handler(rc -> serveKv(rc, parser::list));
    readRoute(router.routeWithRegex(KEY_ROUTE)).handler(rc -> serveKv(rc, parser::get));
    router.routeWithRegex(HttpMethod.PUT, KEY_ROUTE).handler(rc -> serveKv(rc, parser::put));
    router.routeWithRegex(HttpMethod.DELETE, KEY_ROUTE).handler(rc -> serveKv(rc, parser::delete));
    // after the key-value routes, which the hot paths match first
    router.post("/v1/leases").handler(rc -> serveKv(rc, parser::grantLease));
    router.post("/v1/leases/:id/keepalive").handler(rc -> serveKv(rc, parser::keepAlive));
    readRoute(router.route("/v1/leases/:id")).handler(rc -> serveKv(rc, parser::lookUpLease));
    router.delete("/v1/leases/:id").handler(rc -> serveKv(rc, parser::revokeLease));
    readRoute(router.route("/v1/members"))
        .handler(rc -> serveMembership(rc, r -> new NodeRequest.Members()));
    router.post("/v1/members").handler(rc -> serveMembership(rc, MembershipRequests::add));
    router.post("/v1/members/:id/promote")
        .handler(rc -> serveMembership(rc, MembershipRequests::promote));
    router.delete("/v1/members/:id").handler(rc -> serveMembership(rc, MembershipRequests::remove));
    router.post("/v1/leader").handler(rc -> serveMembership(rc, MembershipRequests::transfer));
    RouterErrors.install(router);
    return router;
  }

  /** Counts the request, by route and status, and times it until its answer ends. */
  private void measure(RoutingContext rc) {
    long started = System.nanoTime();
    HttpMetrics.Route route = HttpMetrics.Route.of(rc.request().path());
    String method = rc.request().method().name();
    rc.addEndHandler(ended -> httpMetrics.record(route, method, rc.response().getStatusCode(),
        System.nanoTime() - started));
    rc.next();
  }

  /**
   * {@code GET /metrics}: the Prometheus text format. Not subject to the in-flight limit, so a
   * node that sheds load can still be watched.
   */
  private void serveMetrics(RoutingContext rc) {
    if (!metrics.enabled()) {
      HttpAnswer.error(404, "metrics are off on this " + (config.isGateway() ? "gateway" : "node")
          + " (metrics.enabled is false in its configuration)").writeTo(rc.response());
      return;
    }
    metrics.scrape().onComplete(done -> {
      if (done.failed()) {
        HttpAnswer.error(500, "collecting metrics failed: " + done.cause().getMessage())
            .writeTo(rc.response());
        return;
      }
      rc.response().putHeader("content-type", Metrics.CONTENT_TYPE);
      if (rc.request().method() == HttpMethod.HEAD) {
        rc.response().putHeader("content-length",
            Integer.toString(done.result().getBytes(java.nio.charset.StandardCharsets.UTF_8).length))
            .end();
      } else {
        rc.response().end(done.result());
      }
    });
  }

  /** Every GET route also answers HEAD: the same status and headers, no body. */
  private static Route readRoute(Route route) {
    return route.method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  /**
   * {@code GET /ready}: 200 when this front end can serve linearizable requests now, else 503
   * with every reason, for a load balancer's health check ({@code /health} only says that the
   * process is up).
   */
  private void serveReady(RoutingContext rc) {
    dispatcher.notReadyBecause(newDeadline()).onComplete(done -> {
      List<String> reasons = new ArrayList<>(done.succeeded() ? done.result()
          : List.of("the readiness check failed: " + done.cause().getMessage()));
      if (inflight.held() >= config.limits().maxInflightRequests()) {
        reasons.add("it is shedding load: " + inflight.held() + " requests in flight, the limit"
            + " (limits.maxInflightRequests)");
      }
      if (guard.openConnections() >= guard.maxConnections()) {
        reasons.add("it holds " + guard.openConnections() + " client connections, the limit"
            + " (limits.maxConnections)");
      }
      HttpAnswer answer = reasons.isEmpty()
          ? HttpAnswer.json(200, new JsonObject().put("ready", true))
          : HttpAnswer.error(503, who() + " is not ready: " + String.join("; ", reasons),
              new JsonObject().put("ready", false).put("reasons", new JsonArray(reasons)));
      answer.writeTo(rc.response());
    });
  }

  /**
   * The HTTP layer's own refusals (a request line or headers too long, malformed HTTP), in the
   * API's JSON form; the server closes the connection after it.
   */
  private static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status = 400;
    String what = "malformed HTTP request";
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      what = "the request line (method, path and query) is too long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      what = "the request headers are too large";
    }
    String detail = cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
    request.response().putHeader("connection", "close");
    HttpAnswer.error(status, what + detail).writeTo(request.response());
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

  /** {@code GET /v1/watch}: served from this node's history, or relayed by a gateway. */
  private void serveWatch(RoutingContext rc) {
    WatchRequest request;
    try {
      request = parser.watch(rc);
    } catch (RejectedRequest rejected) {
      rejected.answer().writeTo(rc.response());
      return;
    }
    if (watches != null) {
      watches.watch(rc, request.key(), request.prefix(), request.fromRevision());
    } else {
      dispatcher.relayWatch(request, rc);
    }
  }

  private void serveMembership(RoutingContext rc, Function<RoutingContext, NodeRequest> parse) {
    if (rc.request().method() != HttpMethod.GET && rc.request().method() != HttpMethod.HEAD
        && crossSite(rc.request())) {
      HttpAnswer.error(403, "a membership change sent by a page of another site ("
          + rc.request().getHeader("origin") + ") is refused; send it from the dashboard of this"
          + " server, raftkv cluster, or a client that sends no Origin").writeTo(rc.response());
      return;
    }
    NodeRequest request;
    try {
      request = parse.apply(rc);
    } catch (RejectedRequest rejected) {
      rejected.answer().writeTo(rc.response());
      return;
    }
    relay(rc, dispatcher.membership(request, ForwardableRequest.membership(rc), newDeadline()));
  }

  /**
   * Whether a browser sent this request for a page of another site: a POST with a JSON body in
   * plain text needs no preflight, so any page an operator has open could otherwise change the
   * cluster. Browsers name the page's origin; other clients send none.
   */
  static boolean crossSite(HttpServerRequest request) {
    String origin = request.getHeader("origin");
    if (origin == null) return false;
    String host = request.getHeader("host");
    return host == null || !(origin.equalsIgnoreCase("http://" + host)
        || origin.equalsIgnoreCase("https://" + host));
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
    tls.close();
    if (dashboard != null) dashboard.close(); // its streams would hold the shutdown up
    if (watches != null) watches.close();
    if (dispatcher != null) dispatcher.endWatches();
    Future<Void> serverClosed = server == null ? Future.succeededFuture()
        : server.shutdown(config.limits().requestTimeoutMs() + 1_000L, TimeUnit.MILLISECONDS);
    return serverClosed.eventually(() -> {
      guard.close();
      return Future.join(dispatcher.close(), forwarder.close());
    });
  }
}
