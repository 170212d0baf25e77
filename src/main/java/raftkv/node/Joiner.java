package raftkv.node;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig;
import raftkv.security.Tls;

/**
 * A node started to join a cluster asks its members to add it as a learner ({@code POST
 * /v1/members}, which any member forwards to the leader), trying the given client URLs in turn
 * once a second until one says it is added. The node learns the configuration itself from the
 * leader's log; promoting it to voter is the operator's call, once it has caught up.
 */
final class Joiner {

  private static final Logger LOG = LoggerFactory.getLogger(Joiner.class);
  private static final long RETRY_MS = 1_000;

  private final Vertx vertx;
  private final NodeConfig config;
  private final Tls tls;
  private final List<String> urls;
  private final HttpClientAgent client;
  private final Consumer<JsonObject> added;
  private int attempt;
  private long timer = -1;
  private boolean stopped;

  /**
   * @param added takes the configuration the cluster answered with once this node is a member
   *     (the {@code POST /v1/members} answer): until the leader's log reaches this node, that
   *     is the only place it learns the other members' addresses from
   */
  Joiner(Vertx vertx, NodeConfig config, Tls tls, List<String> urls,
      Consumer<JsonObject> added) {
    this.added = added;
    this.vertx = vertx;
    this.config = config;
    this.urls = List.copyOf(urls);
    this.client = vertx.httpClientBuilder()
        .with(tls.client(new HttpClientOptions().setConnectTimeout(2_000)
            .setMetricsName("joining")))
        // the request under way hears of a reset; unhandled, Vert.x would log it as an ERROR
        .withConnectHandler(connection -> connection.exceptionHandler(e ->
            LOG.debug("joining: a connection failed: {}", e.toString())))
        .build();
    this.tls = tls;
    tls.track(client, 0);
  }

  void start() {
    LOG.info("node {} joins the cluster at {}: asking to be added as a learner", config.nodeId(),
        urls);
    ask();
  }

  void stop() {
    stopped = true;
    if (timer != -1) vertx.cancelTimer(timer);
    tls.untrack(client);
    client.close();
  }

  private void ask() {
    if (stopped) return;
    String url = urls.get(attempt++ % urls.size());
    NodeConfig.Member self = config.self();
    JsonObject body = new JsonObject().put("id", self.id()).put("host", self.host())
        .put("raftPort", self.raftPort()).put("clientPort", self.clientPort());
    URI uri = URI.create(url);
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST)
        .setHost(uri.getHost()).setPort(uri.getPort()).setURI("/v1/members")
        .setSsl(https)
        .setIdleTimeout(10_000).putHeader("Content-Type", "application/json");
    if (config.auth().enabled()) {
      if (config.tls().enabled() && !https) {
        // the cluster's token opens its Raft ports: never over plain HTTP in a TLS cluster
        LOG.error("node {} cannot join through {}: this node has TLS on, so give --join"
            + " https:// URLs", config.nodeId(), url);
        return;
      }
      // the cluster's own token: members with authentication on take it as an admin's
      request.putHeader("Authorization", "Bearer " + config.clusterToken());
    }
    client.request(request)
        .compose(req -> req.send(body.toBuffer()))
        .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b))
        .onComplete(done -> {
          if (stopped) return;
          if (done.succeeded() && done.result().startsWith("200 ")) {
            LOG.info("node {} was added as a learner (via {}); it now receives the log",
                config.nodeId(), url);
            try {
              added.accept(new JsonObject(done.result().substring(4)));
            } catch (RuntimeException e) {
              LOG.warn("node {}: the answer to joining does not decode: {}", config.nodeId(),
                  e.toString());
            }
            return;
          }
          String why = done.succeeded() ? done.result() : done.cause().getMessage();
          LOG.info("node {} is not added yet ({} answered: {}); asking again in {} ms",
              config.nodeId(), url, why, RETRY_MS);
          timer = vertx.setTimer(RETRY_MS, id -> ask());
        });
  }

}
