package raftkv.bench;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the watchers and writers of a watch benchmark record, from any event loop without locks
 * (HdrHistogram {@link Recorder}s and {@link LongAdder}s), and what the reporter reads.
 *
 * <p>Latencies are in microseconds and only for the measured period, which a write belongs to
 * by its send time: a delivery is timed if the write it carries was sent after the warm-up. The
 * delivery rate counts the events received within the measured period (a backlog delivered
 * after it does not inflate it). The totals of events cover the whole run, so that expected and
 * received can be compared.
 */
final class WatchStats {

  private static final int DIGITS = 3;

  private final Recorder writeLatency = new Recorder(DIGITS);
  private final Recorder deliveryLatency = new Recorder(DIGITS);
  final LongAdder writesOk = new LongAdder();
  final LongAdder writesMeasured = new LongAdder();
  final ErrorCounts writeErrors = new ErrorCounts();
  /** For each successful write, the watchers of its key that were open when writes began. */
  final LongAdder eventsExpected = new LongAdder();
  final LongAdder eventsReceived = new LongAdder();
  /** Change events received within the measured period. */
  final LongAdder eventsMeasured = new LongAdder();
  /** Change events with no send time of ours: they cannot be timed. */
  final LongAdder eventsUntimed = new LongAdder();
  final LongAdder watchersReady = new LongAdder();
  /** Ready watchers by key number. */
  private final AtomicIntegerArray readyByKey;
  final ErrorCounts openFailures = new ErrorCounts();
  /** Streams that ended (closed, reset) without a resume or compacted event first. */
  final LongAdder streamsEnded = new LongAdder();
  final LongAdder resumeEvents = new LongAdder();
  final LongAdder compactedEvents = new LongAdder();

  // set once by the main thread before the writers start; read by every loop
  private volatile long measureStartNanos = Long.MAX_VALUE;
  private volatile long measureEndNanos = Long.MAX_VALUE;

  // reader side, guarded by this
  private final Histogram writeCumulative = new Histogram(DIGITS);
  private final Histogram deliveryCumulative = new Histogram(DIGITS);

  WatchStats(int keys) {
    readyByKey = new AtomicIntegerArray(keys);
  }

  /** A watcher of key number {@code key} had its first progress event: it is registered. */
  void watcherReady(int key) {
    watchersReady.increment();
    readyByKey.incrementAndGet(key);
  }

  /** How many watchers of each key are ready now. */
  int[] readyByKey() {
    int[] counts = new int[readyByKey.length()];
    for (int k = 0; k < counts.length; k++) counts[k] = readyByKey.get(k);
    return counts;
  }

  /** Set before the writers start: the measured period is [startNanos, endNanos). */
  void measureBetween(long startNanos, long endNanos) {
    measureStartNanos = startNanos;
    measureEndNanos = endNanos;
  }

  private boolean measured(long nanos) {
    return nanos - measureStartNanos >= 0 && nanos - measureEndNanos < 0;
  }

  void recordWrite(long sentNanos, long answeredNanos, int watchersOfKey) {
    writesOk.increment();
    eventsExpected.add(watchersOfKey);
    if (measured(sentNanos)) {
      writesMeasured.increment();
      writeLatency.recordValue(LatencyStats.micros(answeredNanos - sentNanos));
    }
  }

  /** A change reached a watcher at {@code nowNanos}, carrying {@code sentNanos} (or NONE). */
  void recordChange(long sentNanos, long nowNanos) {
    eventsReceived.increment();
    if (sentNanos == SendTimeCodec.NONE) {
      eventsUntimed.increment();
    } else if (measured(sentNanos)) {
      deliveryLatency.recordValue(LatencyStats.micros(nowNanos - sentNanos));
    }
    if (measured(nowNanos)) eventsMeasured.increment();
  }

  /** Watchers that lost their stream, whichever way. */
  long disconnected() {
    return streamsEnded.sum() + resumeEvents.sum() + compactedEvents.sum();
  }

  /** Moves what was recorded since the last call into the cumulative histograms. */
  synchronized void collect() {
    writeCumulative.add(writeLatency.getIntervalHistogram());
    deliveryCumulative.add(deliveryLatency.getIntervalHistogram());
  }

  synchronized Histogram writes() {
    collect();
    return writeCumulative.copy();
  }

  synchronized Histogram deliveries() {
    collect();
    return deliveryCumulative.copy();
  }
}
