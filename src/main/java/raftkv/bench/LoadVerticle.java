package raftkv.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;

/**
 * One event loop's share of the load. It owns a {@link WebClient} whose pool per URL is bounded
 * by this loop's share of the connections, so every request and answer of this share stays on
 * this loop: no state here is touched by another thread.
 */
abstract class LoadVerticle extends VerticleBase {

  private final List<Endpoint> endpoints;
  private final Target target;
  private final int timeoutMs;
  private final int connectionsPerUrl;
  private final BenchTls tls;
  protected final LatencyStats stats;
  protected RequestSender sender;
  protected Phases phases;
  private final Promise<Long> finished = Promise.promise();
  private long lastMeasuredAnswerNanos;

  LoadVerticle(Setup setup) {
    this.endpoints = setup.endpoints();
    this.target = setup.target();
    this.timeoutMs = setup.timeoutMs();
    this.connectionsPerUrl = setup.connectionsPerUrl();
    this.stats = setup.stats();
    this.tls = setup.tls();
  }

  /** What every loop shares: where to send, how to speak, limits, and where to record. */
  record Setup(List<Endpoint> endpoints, Target target, int timeoutMs, int connectionsPerUrl,
      LatencyStats stats, BenchTls tls) {
    Setup(List<Endpoint> endpoints, Target target, int timeoutMs, int connectionsPerUrl,
        LatencyStats stats) {
      this(endpoints, target, timeoutMs, connectionsPerUrl, stats, BenchTls.NONE);
    }
  }

  @Override
  public Future<?> start() {
    WebClientOptions options = new WebClientOptions()
        .setKeepAlive(true)
        .setPipelining(false) // one request per connection at a time, as real clients do
        .setConnectTimeout(timeoutMs);
    tls.apply(options);
    HttpClient client = vertx.httpClientBuilder()
        .with(options)
        .with(new PoolOptions().setHttp1MaxSize(connectionsPerUrl))
        // a node killed under load resets its connections: each request hears of it (an error
        // in the report); unhandled, Vert.x would also log an ERROR per connection
        .withConnectHandler(connection -> connection.exceptionHandler(e -> { }))
        .build();
    sender = new RequestSender(WebClient.wrap(client, options), endpoints, target, timeoutMs,
        tls.authorization());
    return Future.succeededFuture();
  }

  /**
   * Starts sending on this loop; the future completes, on this loop, once nothing is left to
   * send or waiting for an answer, with the time of the last measured answer (0 for none).
   */
  final Future<Long> begin(Phases runPhases) {
    context.runOnContext(v -> {
      this.phases = runPhases;
      go();
    });
    return finished.future();
  }

  /** Called on this loop once the run starts. */
  protected abstract void go();

  protected final void recordAnswer(Operation op, Outcome outcome, long startedNanos,
      long answeredNanos, boolean measured) {
    if (outcome.ok()) {
      stats.recordOk(op.kind(), answeredNanos - startedNanos, outcome.notFound(), measured);
      if (measured && op.kind() == Operation.Kind.WRITE) stats.recordWriteSuccess(answeredNanos);
    } else {
      stats.recordError(op.kind(), outcome, measured);
    }
    if (measured) lastMeasuredAnswerNanos = answeredNanos;
  }

  protected final void finish() {
    finished.tryComplete(lastMeasuredAnswerNanos);
  }
}
