package raftkv.bench;

import java.util.ArrayList;
import java.util.List;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the event loops record, and its running totals.
 *
 * <p>Writers (every event loop) only touch HdrHistogram {@link Recorder}s, whose {@code
 * recordValue} is wait-free, and {@link LongAdder}s: no lock on the request path. One reader at
 * a time (the progress reporter each second, then the final report) swaps the recorders' interval
 * histograms out and adds them to cumulative ones; those methods are synchronized.
 *
 * <p>Latencies are kept in microseconds, only for successful requests of the measured period.
 * Failed requests are counted by kind instead: their "latency" (often the timeout) would blur the
 * histogram without telling anything.
 */
final class LatencyStats {

  private static final int DIGITS = 3;

  private final Recorder[] latency = {new Recorder(DIGITS), new Recorder(DIGITS)};
  private final Recorder sendLag = new Recorder(DIGITS);
  private final LongAdder[] errorsByOp = {new LongAdder(), new LongAdder()};
  private final ErrorCounts errors = new ErrorCounts();
  private final ErrorCounts warmupErrors = new ErrorCounts();
  private final LongAdder warmupOk = new LongAdder();
  private final LongAdder readsNotFound = new LongAdder();
  private final LongAdder answered = new LongAdder();

  // reader side, guarded by this
  private final Histogram[] cumulative = {new Histogram(DIGITS), new Histogram(DIGITS)};
  private final Histogram cumulativeAll = new Histogram(DIGITS);
  private final Histogram cumulativeSendLag = new Histogram(DIGITS);
  private long answeredBefore;
  private long errorsBefore;

  /** An answer that counts as a success, {@code latencyNanos} after the request's start. */
  void recordOk(Operation.Kind kind, long latencyNanos, boolean notFound, boolean measured) {
    answered.increment();
    if (!measured) {
      warmupOk.increment();
      return;
    }
    latency[kind.ordinal()].recordValue(micros(latencyNanos));
    if (notFound) readsNotFound.increment();
  }

  // stretches between two successful measured writes, guarded by gapLock
  private final Object gapLock = new Object();
  private long lastWriteNanos;
  /** The longest gaps seen, as {length, end} in nanoseconds, at most {@link #GAPS_KEPT}. */
  private final List<long[]> longestGaps = new ArrayList<>();
  static final int GAPS_KEPT = 50;

  /**
   * A measured write succeeded at {@code answeredNanos}: the longest time between two such is
   * how long writers saw the cluster unavailable (a failover, a leadership transfer).
   */
  void recordWriteSuccess(long answeredNanos) {
    synchronized (gapLock) {
      long gap = answeredNanos - lastWriteNanos;
      if (lastWriteNanos != 0 && gap > 0) keepIfLong(gap, answeredNanos);
      lastWriteNanos = Math.max(lastWriteNanos, answeredNanos);
    }
  }

  private void keepIfLong(long gap, long endNanos) {
    if (longestGaps.size() == GAPS_KEPT) {
      if (longestGaps.get(GAPS_KEPT - 1)[0] >= gap) return;
      longestGaps.remove(GAPS_KEPT - 1);
    }
    int at = 0;
    while (at < longestGaps.size() && longestGaps.get(at)[0] >= gap) at++;
    longestGaps.add(at, new long[] {gap, endNanos});
  }

  /** The longest gaps between successful measured writes, longest first: {length, end}. */
  List<long[]> longestWriteGaps() {
    synchronized (gapLock) {
      return List.copyOf(longestGaps);
    }
  }

  /** A request that failed, or that could not even be sent. */
  void recordError(Operation.Kind kind, Outcome outcome, boolean measured) {
    if (!Outcome.NOT_SENT.equals(outcome.errorKind())) answered.increment();
    if (!measured) {
      warmupErrors.add(outcome.errorKind(), outcome.example());
      return;
    }
    errorsByOp[kind.ordinal()].increment();
    errors.add(outcome.errorKind(), outcome.example());
  }

  /** Open loop: how late a measured request left compared with its schedule. */
  void recordSendLag(long lagNanos) {
    sendLag.recordValue(micros(lagNanos));
  }

  /** What happened since the last call; the cumulative histograms grow by the same amount. */
  synchronized Interval takeInterval() {
    Histogram all = new Histogram(DIGITS);
    for (int i = 0; i < latency.length; i++) {
      Histogram interval = latency[i].getIntervalHistogram();
      cumulative[i].add(interval);
      all.add(interval);
    }
    cumulativeAll.add(all);
    cumulativeSendLag.add(sendLag.getIntervalHistogram());
    long answeredNow = answered.sum();
    long errorsNow = errors.total() + warmupErrors.total();
    Interval interval = new Interval(answeredNow - answeredBefore, errorsNow - errorsBefore, all);
    answeredBefore = answeredNow;
    errorsBefore = errorsNow;
    return interval;
  }

  synchronized Histogram cumulative(Operation.Kind kind) {
    return cumulative[kind.ordinal()].copy();
  }

  synchronized Histogram cumulativeAll() {
    return cumulativeAll.copy();
  }

  synchronized Histogram cumulativeSendLag() {
    return cumulativeSendLag.copy();
  }

  long errors(Operation.Kind kind) {
    return errorsByOp[kind.ordinal()].sum();
  }

  ErrorCounts errors() {
    return errors;
  }

  ErrorCounts warmupErrors() {
    return warmupErrors;
  }

  long warmupOk() {
    return warmupOk.sum();
  }

  long readsNotFound() {
    return readsNotFound.sum();
  }

  static long micros(long nanos) {
    return Math.max(0, (nanos + 500) / 1000);
  }

  /**
   * One interval: answers of any kind (warm-up included), errors of any kind (not-sent
   * included), and the latencies of the measured successes in it, in microseconds.
   */
  record Interval(long answered, long errors, Histogram latencyMicros) {}
}
