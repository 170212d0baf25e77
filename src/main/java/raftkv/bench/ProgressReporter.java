package raftkv.bench;

import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Once a second: takes the interval from {@link LatencyStats}, prints a progress line, and keeps
 * the per-second series for the report.
 */
final class ProgressReporter {

  private final LatencyStats stats;
  private final Phases phases;
  private final PrintStream out;
  private final List<Report.Second> series = new ArrayList<>();
  private long lastNanos;
  private long timerId = -1;
  private boolean finished;

  ProgressReporter(LatencyStats stats, Phases phases, PrintStream out) {
    this.stats = stats;
    this.phases = phases;
    this.out = out;
  }

  void start(Vertx vertx) {
    lastNanos = phases.startNanos();
    timerId = vertx.setPeriodic(1000, id -> tick(true));
  }

  /** Stops the ticks and takes the last, partial interval; returns the whole series. */
  synchronized List<Report.Second> finish(Vertx vertx) {
    vertx.cancelTimer(timerId);
    tick(false);
    finished = true;
    return List.copyOf(series);
  }

  private synchronized void tick(boolean print) {
    if (finished) return;
    long now = System.nanoTime();
    double seconds = Math.max(1e-9, (now - lastNanos) / 1e9);
    // an interval belongs to the phase it started in
    boolean warmup = !phases.measured(lastNanos);
    lastNanos = now;
    LatencyStats.Interval interval = stats.takeInterval();
    Histogram h = interval.latencyMicros();
    boolean any = h.getTotalCount() > 0;
    series.add(new Report.Second(round3(phases.secondsSinceStart(now)), round3(seconds),
        warmup ? "warmup" : "measure", interval.answered(),
        Math.round(interval.answered() / seconds * 10) / 10.0,
        h.getTotalCount(), interval.errors(),
        any ? h.getValueAtPercentile(50) / 1000.0 : null,
        any ? h.getValueAtPercentile(99) / 1000.0 : null,
        any ? h.getMaxValue() / 1000.0 : null));
    if (print) out.println(line(now, warmup, interval.answered() / seconds));
  }

  private String line(long now, boolean warmup, double perSecond) {
    long errors = stats.errors().total() + stats.warmupErrors().total();
    String latency = "";
    if (!warmup) {
      Report.Percentiles sofar = Report.Percentiles.ofMicros(stats.cumulativeAll());
      latency = sofar == null ? "  no successes yet"
          : String.format(Locale.ROOT, "  p50 %.2f ms  p99 %.2f ms (so far)", sofar.p50(),
              sofar.p99());
    }
    return String.format(Locale.ROOT, "[%6.1fs] %s%,9.0f req/s%s  errors %d%s",
        phases.secondsSinceStart(now), warmup ? "warm-up " : "", perSecond, latency, errors,
        errors > 0 ? " (!)" : "");
  }

  private static double round3(double x) {
    return Math.round(x * 1000) / 1000.0;
  }
}
