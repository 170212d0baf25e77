package raftkv.bench;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The results of one run, as printed and as written to JSON. Latencies are in milliseconds;
 * {@code p999} is the 99.9th percentile. Percentiles are null where nothing succeeded.
 *
 * @param settings the effective options, seed included
 * @param latencyFrom "send" (closed loop) or "schedule" (open loop): where latency starts
 * @param measuredSeconds the period that {@code okPerSecond} divides by: the {@code --duration},
 *     or with {@code --requests}, from the start of measuring to the last measured answer
 * @param requests every measured request: answered, failed, or not sent
 * @param ops one row each for reads, writes, and all
 * @param errorsByKind measured errors: "HTTP 503", "timeout", "not sent: ..." and so on
 * @param errorExamples the first answer or message seen for each error kind
 * @param readsNotFound measured reads answered "no such key", counted as successes
 * @param sendLagMs open loop only: how late requests left compared with their schedule; large
 *     values mean this machine could not keep up the rate
 * @param perSecond one entry per second of the run, warm-up included
 * @param writeGaps the longest times between two successful measured writes (at most 50,
 *     longest first), and when each ended: how long a failover or a leadership transfer kept
 *     writers waiting; empty with fewer than two successful writes
 */
public record Report(
    Map<String, Object> settings,
    long seed,
    String latencyFrom,
    double warmupSeconds,
    double measuredSeconds,
    long requests,
    long ok,
    long errors,
    double okPerSecond,
    List<OpRow> ops,
    Map<String, Long> errorsByKind,
    Map<String, String> errorExamples,
    long readsNotFound,
    Warmup warmup,
    Percentiles sendLagMs,
    List<Second> perSecond,
    List<Gap> writeGaps) {

  /**
   * A stretch with no successful write: its length, and when it ended, in seconds into the
   * measured period and on the wall clock (so a script can find the gap an event it caused).
   */
  public record Gap(double ms, double endedAtSeconds, long endedAtEpochMs) {}

  /** Errors of the whole run, warm-up included. */
  public long totalErrors() {
    return errors + warmup.errors();
  }

  /** A latency distribution in milliseconds. */
  public record Percentiles(long count, double mean, double p50, double p90, double p99,
      double p999, double max) {

    /** From a histogram of microseconds; null when it is empty. */
    static Percentiles ofMicros(Histogram h) {
      if (h.getTotalCount() == 0) return null;
      return new Percentiles(h.getTotalCount(), ms(h.getMean()),
          ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
          ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)),
          ms(h.getMaxValue()));
    }

    private static double ms(double micros) {
      return Math.round(micros) / 1000.0;
    }
  }

  /** One kind of operation (read, write) or all of them. */
  public record OpRow(String op, long requests, long ok, long errors, double okPerSecond,
      Percentiles latencyMs) {}

  /** What the warm-up sent: not in the table, but its errors are shown too. */
  public record Warmup(long requests, long ok, long errors, Map<String, Long> errorsByKind,
      Map<String, String> errorExamples) {}

  /**
   * One second of the run: {@code answered} counts every answer, warm-up and errors included;
   * {@code ok} and the percentiles are the measured successes of that second.
   */
  public record Second(double elapsedSeconds, double intervalSeconds, String phase,
      long answered, double answeredPerSecond, long ok, long errors, Double p50Ms, Double p99Ms,
      Double maxMs) {}

  /**
   * Whether the measured seconds still climbed: the last full second answered 30% more than the
   * first. On a small machine a fresh JVM takes several seconds to compile its hot paths, and a
   * warm-up shorter than that measures the climb, not the server.
   */
  public boolean stillWarmingUp() {
    List<Second> full = perSecond.stream()
        .filter(s -> s.phase().equals("measure") && s.intervalSeconds() >= 0.9).toList();
    if (full.size() < 3) return false;
    return full.get(full.size() - 1).answeredPerSecond() > 1.3 * full.get(0).answeredPerSecond();
  }
}
