package raftkv.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one load test: builds the workload, spreads the clients (closed loop) or the schedule
 * (open loop) over its own Vert.x event loops, waits for the end, and assembles the
 * {@link Report}. Blocking: call it from a plain thread, never from an event loop.
 */
public final class LoadTester {

  private static final Logger LOG = LoggerFactory.getLogger(LoadTester.class);

  private final LoadOptions options;
  private final PrintStream progress;

  /** {@code progress} gets the start line and a line per second (normally stderr). */
  public LoadTester(LoadOptions options, PrintStream progress) {
    this.options = options;
    this.progress = progress;
  }

  /** The verticles of a run, and how its clock is laid out once it starts. */
  private record Plan(List<LoadVerticle> verticles, LongFunction<Phases> phases,
      double nominalMeasuredSeconds) {}

  public Report run() {
    // a random seed stays below 2^53 so that JSON readers that use doubles (jq) keep it exact
    long seed = options.seed != null ? options.seed
        : ThreadLocalRandom.current().nextLong(1L << 53);
    Workload workload = Workload.of(options, seed);
    LatencyStats stats = new LatencyStats();
    LoadVerticle.Setup setup = new LoadVerticle.Setup(options.endpoints(),
        Target.of(options, workload.value()), options.timeoutMs, 0, stats, options.tls());
    Plan plan = options.openLoop() ? openLoop(workload, setup) : closedLoop(workload, setup);
    progress.println(startLine(seed, plan.verticles().size()));

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.eventLoops));
    try {
      for (LoadVerticle verticle : plan.verticles()) vertx.deployVerticle(verticle).await();
      Phases phases = plan.phases().apply(System.nanoTime());
      ProgressReporter reporter = new ProgressReporter(stats, phases, progress);
      reporter.start(vertx);
      List<Future<Long>> loops = new ArrayList<>();
      for (LoadVerticle verticle : plan.verticles()) loops.add(verticle.begin(phases));
      Future.all(loops).await();
      List<Report.Second> series = reporter.finish(vertx);
      long lastAnswer = loops.stream().mapToLong(Future::result).max().orElse(0);
      double measuredSeconds = plan.nominalMeasuredSeconds() > 0 ? plan.nominalMeasuredSeconds()
          : lastAnswer == 0 ? 0 : Math.max(0, (lastAnswer - phases.measureStartNanos()) / 1e9);
      return report(seed, stats, phases, measuredSeconds, series);
    } finally {
      vertx.close().await();
      LOG.debug("load run finished, Vert.x closed");
    }
  }

  private Plan closedLoop(Workload workload, LoadVerticle.Setup setup) {
    int clients = options.effectiveClients();
    int loops = Math.min(options.eventLoops, clients);
    List<List<ClosedLoop.ClientPlan>> byLoop = new ArrayList<>();
    for (int l = 0; l < loops; l++) byLoop.add(new ArrayList<>());
    for (int c = 0; c < clients; c++) {
      long quota = options.requests == null ? Long.MAX_VALUE
          : options.requests / clients + (c < options.requests % clients ? 1 : 0);
      byLoop.get(c % loops).add(new ClosedLoop.ClientPlan(c, workload.newStream(), quota));
    }
    List<LoadVerticle> verticles = new ArrayList<>();
    for (List<ClosedLoop.ClientPlan> plans : byLoop) {
      int connections = share(options.effectiveConnections(), plans.size(), clients);
      verticles.add(new ClosedLoop(withConnections(setup, connections), plans));
    }
    long warmupNanos = options.effectiveWarmup().toNanos();
    Duration duration = options.effectiveDuration();
    return new Plan(verticles, start -> new Phases(start, start + warmupNanos,
        duration == null ? Long.MAX_VALUE : start + warmupNanos + duration.toNanos()),
        duration == null ? 0 : duration.toNanos() / 1e9);
  }

  private Plan openLoop(Workload workload, LoadVerticle.Setup setup) {
    double rate = options.rate;
    long warmupCount = (long) Math.ceil(options.effectiveWarmup().toNanos() / 1e9 * rate);
    Duration duration = options.effectiveDuration();
    long measuredCount = duration == null ? options.requests
        : Math.max(1, (long) Math.ceil(duration.toNanos() / 1e9 * rate));
    OpenLoop.Schedule schedule =
        new OpenLoop.Schedule(rate, warmupCount, warmupCount + measuredCount);
    // every loop needs room for at least one request in flight
    int loops = Math.min(options.eventLoops, options.maxOutstanding);
    List<LoadVerticle> verticles = new ArrayList<>();
    for (int l = 0; l < loops; l++) {
      int connections = share(options.effectiveConnections(), 1, loops);
      int maxOutstanding = options.maxOutstanding / loops
          + (l < options.maxOutstanding % loops ? 1 : 0);
      verticles.add(new OpenLoop(withConnections(setup, connections), schedule, l, loops,
          workload.newStream(), maxOutstanding));
    }
    return new Plan(verticles, start -> new Phases(start, schedule.dueNanos(start, warmupCount),
        schedule.dueNanos(start, schedule.totalCount())),
        duration == null ? 0 : measuredCount / rate);
  }

  /** A loop's part of {@code total}, in proportion to its {@code part} of {@code whole}. */
  private static int share(int total, int part, int whole) {
    return (int) Math.max(1, Math.ceil((double) total * part / whole));
  }

  private static LoadVerticle.Setup withConnections(LoadVerticle.Setup s, int connections) {
    return new LoadVerticle.Setup(s.endpoints(), s.target(), s.timeoutMs(), connections,
        s.stats(), s.tls());
  }

  private String startLine(long seed, int loops) {
    String mode = options.openLoop()
        ? String.format("open loop at %s requests/s", options.rate)
        : "closed loop with " + options.effectiveClients() + " clients";
    return "load" + (options.label == null ? "" : " [" + options.label + "]") + ": " + mode
        + " on " + loops + " event loop(s), target " + options.target + " at "
        + String.join(", ", options.endpoints().stream().map(Endpoint::url).toList())
        + ", seed " + seed;
  }

  private Report report(long seed, LatencyStats stats, Phases phases, double measuredSeconds,
      List<Report.Second> series) {
    List<Report.OpRow> rows = new ArrayList<>();
    long errors = 0;
    for (Operation.Kind kind : Operation.Kind.values()) {
      Histogram h = stats.cumulative(kind);
      long kindErrors = stats.errors(kind);
      errors += kindErrors;
      rows.add(row(kind.label(), h, kindErrors, measuredSeconds));
    }
    Histogram all = stats.cumulativeAll();
    rows.add(row("all", all, errors, measuredSeconds));
    long ok = all.getTotalCount();
    ErrorCounts warm = stats.warmupErrors();
    Report.Warmup warmup = new Report.Warmup(stats.warmupOk() + warm.total(), stats.warmupOk(),
        warm.total(), warm.counts(), warm.examples());
    return new Report(options.describe(seed), seed, options.openLoop() ? "schedule" : "send",
        (phases.measureStartNanos() - phases.startNanos()) / 1e9, measuredSeconds,
        ok + errors, ok, errors, perSecond(ok, measuredSeconds), List.copyOf(rows),
        stats.errors().counts(), stats.errors().examples(), stats.readsNotFound(), warmup,
        options.openLoop() ? Report.Percentiles.ofMicros(stats.cumulativeSendLag()) : null,
        series, writeGaps(stats, phases));
  }

  private static List<Report.Gap> writeGaps(LatencyStats stats, Phases phases) {
    // nanoTime has no epoch: place it against the wall clock once
    long epochMs = System.currentTimeMillis();
    long nowNanos = System.nanoTime();
    List<Report.Gap> gaps = new ArrayList<>();
    for (long[] g : stats.longestWriteGaps()) {
      gaps.add(new Report.Gap(Math.round(g[0] / 1e4) / 100.0,
          Math.round((g[1] - phases.measureStartNanos()) / 1e7) / 100.0,
          epochMs - (nowNanos - g[1]) / 1_000_000));
    }
    return List.copyOf(gaps);
  }

  private static Report.OpRow row(String op, Histogram h, long errors, double seconds) {
    long ok = h.getTotalCount();
    return new Report.OpRow(op, ok + errors, ok, errors, perSecond(ok, seconds),
        Report.Percentiles.ofMicros(h));
  }

  private static double perSecond(long count, double seconds) {
    return seconds <= 0 ? 0 : Math.round(count / seconds * 10) / 10.0;
  }
}
