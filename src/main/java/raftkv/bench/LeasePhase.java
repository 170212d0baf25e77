package raftkv.bench;

import static raftkv.bench.WatchBench.f;
import static raftkv.bench.WatchBench.ms;
import static raftkv.bench.WatchBench.perSecond;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The lease phase of {@link WatchBench}: grant {@code --leases} leases, keep each alive every
 * ttl/3 for warm-up plus duration (spread evenly, {@link KeepAliveSchedule}), and report the
 * keep-alive rate, latency and the server's CPU time per keep-alive. Blocking, like {@link
 * WatchPhase}.
 */
final class LeasePhase {

  /** How long after the grants the schedule starts: time for every loop to get its start. */
  private static final long START_DELAY_NANOS = 20_000_000L;

  private final WatchBench options;
  private final Vertx vertx;
  private final Endpoint leader;
  private final LeaseStats stats = new LeaseStats();
  private final int loops;
  private final PrintStream progress = System.err;
  private final PrintStream out = System.out;
  private long lastProgressNanos;
  private long lastOk;

  LeasePhase(WatchBench options, Vertx vertx, Endpoint leader) {
    this.options = options;
    this.vertx = vertx;
    this.leader = leader;
    this.loops = Math.min(options.eventLoops, options.leases);
  }

  int run() {
    progress.println(f("watch-bench%s: %d leases of %d ms at %s, kept alive every ttl/3, "
            + "%d event loops", options.labelPart(), options.leases, ttlMs(), leader.url(),
        loops));
    List<LeaseVerticle> verticles = deploy();
    if (!grantAll(verticles)) return 1;
    long start = System.nanoTime() + START_DELAY_NANOS;
    long measureStart = start + options.warmup.toNanos();
    long end = measureStart + options.duration.toNanos();
    stats.measureBetween(measureStart, end);
    CpuWindow cpu = new CpuWindow(options.serverPid, options.clockTicks);
    List<Future<Void>> done = new ArrayList<>();
    for (int l = 0; l < verticles.size(); l++) {
      done.add(verticles.get(l).keepAlive(l, loops, options.leases, start, end));
    }
    lastProgressNanos = start;
    WatchBench.follow(Future.all(done), start, measureStart, end, cpu,
        () -> printProgress(start, measureStart));
    report(cpu);
    return 0;
  }

  private long ttlMs() {
    return options.leaseTtl.toMillis();
  }

  private List<LeaseVerticle> deploy() {
    List<LeaseVerticle> verticles = new ArrayList<>();
    for (int l = 0; l < loops; l++) {
      int connections = Math.max(1, WatchBench.dealt(options.clients, l, loops));
      LeaseVerticle verticle = new LeaseVerticle(new LeaseVerticle.Setup(leader,
          WatchBench.dealt(options.leases, l, loops), connections, connections, ttlMs(),
          options.timeoutMs, stats));
      vertx.deployVerticle(verticle).await();
      verticles.add(verticle);
    }
    return verticles;
  }

  /** Grants every lease; false when none was granted. */
  private boolean grantAll(List<LeaseVerticle> verticles) {
    long started = System.nanoTime();
    List<Future<Integer>> grants = new ArrayList<>();
    for (LeaseVerticle verticle : verticles) grants.add(verticle.grantAll());
    Future<?> all = Future.all(grants);
    long nextLine = started + 1_000_000_000L;
    while (!all.isComplete()) {
      WatchBench.pause(WatchBench.POLL_MS);
      if (System.nanoTime() - nextLine >= 0) {
        printGrants(started);
        nextLine += 1_000_000_000L;
      }
    }
    printGrants(started);
    if (stats.granted.sum() == 0) {
      progress.println("watch-bench: no lease could be granted: "
          + stats.grantErrors.counts() + " " + stats.grantErrors.examples());
    }
    return stats.granted.sum() > 0;
  }

  private void printGrants(long started) {
    long failed = stats.grantErrors.total();
    progress.println(f("[%6.1fs] leases granted: %d/%d%s", (System.nanoTime() - started) / 1e9,
        stats.granted.sum(), options.leases, failed > 0 ? f(", %d failed (!)", failed) : ""));
  }

  private void printProgress(long start, long measureStart) {
    long now = System.nanoTime();
    double seconds = Math.max(1e-9, (now - lastProgressNanos) / 1e9);
    long ok = stats.keepAlivesOk.sum();
    boolean warm = now - measureStart < 0;
    String latency = warm ? "" : f("  p99 %.2f ms (so far)", ms(stats.latencies(), 99));
    progress.println(f("[%6.1fs] %skeep-alives %,.0f/s%s  lost %d  errors %d  max send lag "
            + "%.1f ms", (now - start) / 1e9, warm ? "warm-up " : "", (ok - lastOk) / seconds,
        latency, stats.leasesLost.sum(), stats.keepAliveErrors.total(),
        stats.maxSendLagMicros.get() / 1000.0));
    lastProgressNanos = now;
    lastOk = ok;
  }

  private void report(CpuWindow cpu) {
    double seconds = options.duration.toNanos() / 1e9;
    long measured = stats.keepAlivesMeasured.sum();
    long granted = stats.granted.sum();
    Histogram latency = stats.latencies();
    double target = granted / (ttlMs() / 3.0 / 1000);
    double cpuPerKeepAlive = cpu.serverMs() / Math.max(1, measured);
    out.println(f("watch-bench%s: %d leases of %d ms at %s; %.1f s measured after %.1f s of "
            + "warm-up", options.labelPart(), options.leases, ttlMs(), leader.url(), seconds,
        options.warmup.toNanos() / 1e9));
    out.println(f("leases       granted %d of %d, grant errors %d", granted, options.leases,
        stats.grantErrors.total()));
    out.println(f("keep-alives  %,.1f ok/s (scheduled %,.1f/s; %d in the period), latency p50 %.2f "
            + "ms, p99 %.2f ms; lost leases (404) %d, errors %d, max send lag %.1f ms",
        perSecond(measured, seconds), target, measured, ms(latency, 50), ms(latency, 99),
        stats.leasesLost.sum(), stats.keepAliveErrors.total(),
        stats.maxSendLagMicros.get() / 1000.0));
    if (cpu.serverPid() != null) {
      out.println(f("server       pid %d: %.0f ms CPU (%.0f%% of a core), %.4f ms per "
              + "keep-alive", cpu.serverPid(), cpu.serverMs(), cpu.serverPercent(),
          cpuPerKeepAlive));
    }
    out.println(f("client       %.0f ms CPU (%.0f%% of a core)", cpu.clientMs(),
        cpu.clientPercent()));
    WatchBench.printErrors(out, "grant errors", stats.grantErrors);
    WatchBench.printErrors(out, "keep-alive errors", stats.keepAliveErrors);
    out.println(new ResultLine()
        .add("phase", "leases")
        .add("label", options.label)
        .add("leases", options.leases)
        .add("granted", granted)
        .add("ttl_ms", ttlMs())
        .add("duration_s", seconds)
        .add("keepalives_per_s", perSecond(measured, seconds))
        .add("keepalive_target_per_s", target)
        .add("keepalive_p50_ms", ms(latency, 50))
        .add("keepalive_p99_ms", ms(latency, 99))
        .add("keepalive_errors", stats.keepAliveErrors.total())
        .add("leases_lost", stats.leasesLost.sum())
        .add("max_send_lag_ms", stats.maxSendLagMicros.get() / 1000.0)
        .add("server_cpu_ms", cpu.serverMs())
        .add("server_cpu_pct", cpu.serverPercent())
        .add("cpu_ms_per_keepalive", cpuPerKeepAlive)
        .add("client_cpu_pct", cpu.clientPercent())
        .toString());
  }
}
