package raftkv.frontend;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig;
import raftkv.security.Tls;

/**
 * The live dashboard at {@code /ui/}: static files from the jar ({@code raftkv/ui}), and {@code
 * GET /ui/events}, a Server-Sent Events stream with one {@code cluster} event a second
 * ({@link DashboardView}).
 *
 * <p>While at least one page is open, the dashboard asks every member for {@code GET
 * /v1/cluster} once a second, at the client addresses the members' own statuses list (the
 * configuration's, until one answers); with no page open it asks nothing. The membership
 * actions of the page are the API's own routes, sent by the browser to this front end.
 */
final class Dashboard {

  private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);

  /** Pages open at once per front end; one more is answered 503. */
  static final int MAX_VIEWERS = 64;
  static final long PERIOD_MS = 1_000;
  private static final long POLL_TIMEOUT_MS = 800;
  /** Events in a row a viewer may fail to take before it is let go. */
  static final int MAX_MISSED = 30;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final String authorization;
  private final DashboardView view;
  private final Set<HttpServerResponse> viewers = new LinkedHashSet<>();
  private final Map<Integer, DashboardView.Poll> configured = new TreeMap<>();
  private Map<Integer, DashboardView.Poll> members;
  private JsonObject latest;
  private long timer = -1;
  private boolean polling;
  private boolean closed;
  /** Events each viewer missed in a row because it did not take the ones before. */
  private final Map<HttpServerResponse, Integer> missed = new HashMap<>();

  Dashboard(Vertx vertx, NodeConfig config, Tls tls) {
    this.vertx = vertx;
    // the cluster's own token, only where tokens are on: it opens the Raft port too
    this.authorization = config.auth().enabled() ? "Bearer " + config.clusterToken() : null;
    this.view = new DashboardView(config.isGateway() ? "gateway" : "node " + config.nodeId());
    for (NodeConfig.Member m : config.members()) {
      configured.put(m.id(), new DashboardView.Poll(m.id(), config.clientUrl(m),
          m.host() + ":" + m.raftPort(), true, null, null));
    }
    this.members = configured;
    this.client = vertx.httpClientBuilder()
        .with(tls.client(new HttpClientOptions().setKeepAlive(true).setMetricsName("dashboard")
            .setConnectTimeout((int) POLL_TIMEOUT_MS)))
        .with(new PoolOptions().setHttp1MaxSize(1))
        // a member that dies resets the connection; the poll under way hears of it
        .withConnectHandler(connection -> connection.exceptionHandler(e ->
            LOG.debug("dashboard: a connection to a member failed: {}", e.toString())))
        .build();
    tls.track(client, 0);
  }

  void install(Router router) {
    // a route of "/ui" also matches "/ui/": only the bare path is sent on to the page
    router.get("/ui").handler(rc -> {
      if (rc.request().path().equals("/ui")) {
        rc.response().setStatusCode(301).putHeader("location", "/ui/").end();
      } else {
        rc.next();
      }
    });
    router.get("/ui/events").handler(this::subscribe);
    router.route("/ui/*").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(StaticHandler.create("raftkv/ui").setCachingEnabled(false)
            .setDefaultContentEncoding("UTF-8"));
  }

  private void subscribe(RoutingContext rc) {
    if (closed) {
      HttpAnswer.error(503, "this front end is shutting down").writeTo(rc.response());
      return;
    }
    if (viewers.size() >= MAX_VIEWERS) {
      HttpAnswer.error(503, "this front end already streams to " + MAX_VIEWERS
          + " dashboards; close one, or open the dashboard of another node").writeTo(rc.response());
      return;
    }
    HttpServerResponse response = rc.response().setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache");
    response.write("retry: 1000\n\n");
    viewers.add(response);
    response.closeHandler(v -> {
      viewers.remove(response);
      missed.remove(response);
    });
    if (latest != null) send(response, latest);
    if (timer < 0) {
      timer = vertx.setPeriodic(0, PERIOD_MS, id -> pollRound());
    }
  }

  /** One round: every member's status, at most one round at a time; none once no page is open. */
  private void pollRound() {
    if (viewers.isEmpty()) {
      vertx.cancelTimer(timer);
      timer = -1;
      return;
    }
    if (polling) return;
    polling = true;
    List<Future<DashboardView.Poll>> polls = new ArrayList<>();
    for (DashboardView.Poll member : members.values()) polls.add(poll(member));
    Future.join(polls).onComplete(done -> {
      polling = false;
      List<DashboardView.Poll> answered = new ArrayList<>();
      for (Future<DashboardView.Poll> f : polls) answered.add(f.result());
      members = DashboardView.membersFrom(answered, configured);
      latest = view.round(answered, System.currentTimeMillis());
      for (HttpServerResponse viewer : List.copyOf(viewers)) send(viewer, latest);
    });
  }

  private Future<DashboardView.Poll> poll(DashboardView.Poll member) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(member.clientUrl() + "/v1/cluster").setTimeout(POLL_TIMEOUT_MS);
    // the cluster's own token: members with authentication on take it as an admin's
    if (authorization != null) request.putHeader(HttpHeaders.AUTHORIZATION, authorization);
    return client.request(request)
        .compose(r -> r.send().compose(answer -> answer.body().map(body -> {
          if (answer.statusCode() != 200) {
            throw new IllegalStateException("answered " + answer.statusCode());
          }
          return body.toJsonObject();
        })))
        .timeout(POLL_TIMEOUT_MS, TimeUnit.MILLISECONDS) // connecting included: a round ends in time
        .map(status -> new DashboardView.Poll(member.id(), member.clientUrl(),
            member.raftAddress(), member.voter(), status, null))
        .otherwise(e -> new DashboardView.Poll(member.id(), member.clientUrl(),
            member.raftAddress(), member.voter(), null, String.valueOf(e.getMessage())));
  }

  /**
   * A viewer too slow to take the last event misses this one rather than queue it, and one that
   * has missed {@link #MAX_MISSED} in a row is let go (its page reconnects if it is still there).
   */
  private void send(HttpServerResponse viewer, JsonObject event) {
    if (viewer.closed()) return;
    if (viewer.writeQueueFull()) {
      int count = missed.merge(viewer, 1, Integer::sum);
      if (count >= MAX_MISSED) {
        viewers.remove(viewer);
        missed.remove(viewer);
        viewer.reset();
      }
      return;
    }
    missed.remove(viewer);
    viewer.write("event: cluster\ndata: " + event.encode() + "\n\n");
  }

  /** Ends every stream (so the server's shutdown need not wait for them) and stops polling. */
  Future<Void> close() {
    closed = true;
    if (timer >= 0) vertx.cancelTimer(timer);
    timer = -1;
    for (HttpServerResponse viewer : List.copyOf(viewers)) {
      if (!viewer.closed()) viewer.end();
    }
    viewers.clear();
    missed.clear();
    return client.close();
  }
}
