package raftkv.bench;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the lease benchmark's loops record, lock-free like {@link WatchStats}. The rate counts
 * the keep-alives answered within the measured period (what the server did in the time its CPU
 * is measured); the latency histogram holds those due within it, answered whenever. Latency
 * counts from when a keep-alive was actually sent (a wait for a free connection included), and
 * how late the timer sent it is kept apart ({@link #maxSendLagMicros}).
 */
final class LeaseStats {

  private static final int DIGITS = 3;

  private final Recorder latency = new Recorder(DIGITS);
  final LongAdder granted = new LongAdder();
  final ErrorCounts grantErrors = new ErrorCounts();
  final LongAdder keepAlivesOk = new LongAdder();
  /** Answered (200) within the measured period. */
  final LongAdder keepAlivesMeasured = new LongAdder();
  /** 404: the lease had expired (or never existed): a keep-alive came too late. */
  final LongAdder leasesLost = new LongAdder();
  final ErrorCounts keepAliveErrors = new ErrorCounts();
  final LongAccumulator maxSendLagMicros = new LongAccumulator(Math::max, 0);

  private volatile long measureStartNanos = Long.MAX_VALUE;
  private volatile long measureEndNanos = Long.MAX_VALUE;
  private final Histogram cumulative = new Histogram(DIGITS); // guarded by this

  /** Set before the schedule starts: the measured period is [startNanos, endNanos). */
  void measureBetween(long startNanos, long endNanos) {
    measureStartNanos = startNanos;
    measureEndNanos = endNanos;
  }

  private boolean measured(long nanos) {
    return nanos - measureStartNanos >= 0 && nanos - measureEndNanos < 0;
  }

  void recordSent(long dueNanos, long sentNanos) {
    maxSendLagMicros.accumulate(LatencyStats.micros(sentNanos - dueNanos));
  }

  void recordOk(long dueNanos, long sentNanos, long answeredNanos) {
    keepAlivesOk.increment();
    if (measured(answeredNanos)) keepAlivesMeasured.increment();
    if (measured(dueNanos)) latency.recordValue(LatencyStats.micros(answeredNanos - sentNanos));
  }

  synchronized Histogram latencies() {
    cumulative.add(latency.getIntervalHistogram());
    return cumulative.copy();
  }
}
