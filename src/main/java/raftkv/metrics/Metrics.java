package raftkv.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import raftkv.config.NodeConfig;

/**
 * The metrics of one node or gateway, served by {@code GET /metrics} in Prometheus's text format.
 *
 * <p>Everything records into {@link #registry()}, whether metrics are on or not: when they are
 * off, it is a registry that keeps nothing, so recording code never asks. Values owned by an
 * event loop (the Raft core's indexes, the transport's queues) are not read from other threads:
 * their owner registers a refresh ({@link #beforeEachScrape}) that copies them out on its own
 * loop, and a scrape waits for every refresh before it renders.
 *
 * <p>Names follow Prometheus's conventions: a {@code raftkv_} prefix, base units ({@code
 * _seconds}, {@code _bytes}), {@code _total} for counters; every series carries the {@code node}
 * label ({@code "1"}, or {@code "gateway"}). Vert.x's own metrics of its worker pools (the log's
 * fsync worker among them) are renamed {@code raftkv_vertx_*}.
 */
public final class Metrics {

  /** The Prometheus text format, version 0.0.4, as {@code GET /metrics} answers. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** How long a scrape waits for a loop to copy its values out. */
  static final long REFRESH_TIMEOUT_MS = 2_000;

  private final PrometheusMeterRegistry prometheus; // null when off
  private final MeterRegistry registry;
  private final List<Supplier<Future<?>>> refreshes = new CopyOnWriteArrayList<>();

  private Metrics(PrometheusMeterRegistry prometheus) {
    this.prometheus = prometheus;
    this.registry = prometheus != null ? prometheus : new CompositeMeterRegistry();
  }

  /** No metrics: nothing is kept, and {@code GET /metrics} answers 404. */
  public static Metrics off() {
    return new Metrics(null);
  }

  /** A Prometheus registry whose series carry {@code node="<node>"}. */
  public static Metrics prometheus(String node) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Vert.x registers an HTTP connection pool's gauges anew whenever it makes a new pool for an
    // address (after a peer was down, say), and Micrometer keeps only the first, dead, one: their
    // values would lie. The transport's own queue and in-flight gauges say the same per peer.
    registry.config().meterFilter(MeterFilter.deny(id -> "http".equals(id.getTag("pool_type"))));
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        return id.getName().startsWith("vertx.") ? id.withName("raftkv." + id.getName()) : id;
      }
    });
    registry.config().commonTags(Tags.of("node", node));
    return new Metrics(registry);
  }

  /** As the configuration says: on (the default) or off; labelled with the node id. */
  public static Metrics of(NodeConfig config) {
    if (!config.metrics().enabled()) return off();
    return prometheus(config.isGateway() ? "gateway" : Integer.toString(config.nodeId()));
  }

  public boolean enabled() {
    return prometheus != null;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * The process's own metrics: JVM memory, garbage collection, threads, classes, CPU, open
   * files, uptime. Only where the registry is the process's own (not for nodes sharing a JVM).
   */
  public Metrics withProcessMetrics() {
    if (!enabled()) return this;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry); // lives as long as the process
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return this;
  }

  /**
   * Vert.x's own metrics into this registry, for a Vertx about to be built with {@code
   * options}: its worker pools (the log's fsync worker, the snapshot writers: tasks queued, time
   * waiting, time running). Its HTTP client metrics are left off: they cost the hot paths several
   * per cent (every Raft RPC and every forwarded request records half a dozen meters; measured
   * with bench/compare.sh, BENCHMARKS.md) and say what the transport's own per-peer counters and
   * the front end's {@link HttpMetrics} already say. HTTP servers are measured by HttpMetrics, per
   * route.
   */
  public VertxBuilder withVertxMetrics(VertxBuilder builder, VertxOptions options) {
    if (!enabled()) return builder.with(options);
    MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions().setEnabled(true)
        .setLabels(EnumSet.of(Label.POOL_TYPE, Label.POOL_NAME));
    for (MetricsDomain domain : MetricsDomain.values()) {
      if (domain != MetricsDomain.NAMED_POOLS) metricsOptions.addDisabledMetricsCategory(domain);
    }
    return builder.with(options.setMetricsOptions(metricsOptions))
        .withMetrics(new MicrometerMetricsFactory(registry));
  }

  /**
   * Runs {@code refresh} before each scrape: it copies values owned by an event loop into the
   * meters that read them, on that loop, and completes once it has.
   */
  public void beforeEachScrape(Supplier<Future<?>> refresh) {
    if (enabled()) refreshes.add(refresh);
  }

  /**
   * The text of {@code GET /metrics}, once every refresh has run (one that fails or takes longer
   * than {@link #REFRESH_TIMEOUT_MS} leaves its values as the previous scrape saw them). Rendered
   * on the caller's context: a refresh completes on its owner's loop, and the rendering (every
   * series of the registry) must not run there.
   */
  public Future<String> scrape() {
    if (!enabled()) return Future.failedFuture(new IllegalStateException("metrics are off"));
    Context caller = Vertx.currentContext();
    List<Future<?>> refreshed = new ArrayList<>();
    for (Supplier<Future<?>> refresh : refreshes) {
      refreshed.add(refresh.get().timeout(REFRESH_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    }
    Promise<String> rendered = Promise.promise();
    Future.join(refreshed).onComplete(done -> {
      if (caller == null) {
        rendered.complete(prometheus.scrape());
      } else {
        caller.runOnContext(v -> rendered.complete(prometheus.scrape()));
      }
    });
    return rendered.future();
  }
}
