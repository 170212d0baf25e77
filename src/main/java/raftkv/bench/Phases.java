package raftkv.bench;

/**
 * The run's clock, in {@link System#nanoTime()}: it starts at {@code startNanos}, records what
 * starts at or after {@code measureStartNanos}, and stops starting requests at {@code endNanos}
 * ({@link Long#MAX_VALUE} when a request count, not a duration, ends the run).
 */
record Phases(long startNanos, long measureStartNanos, long endNanos) {

  /** Whether a request starting at {@code nowNanos} is too late to be sent. */
  boolean over(long nowNanos) {
    // compared by difference (nanoTime may be negative), and MAX_VALUE must mean "never"
    return endNanos != Long.MAX_VALUE && nowNanos - endNanos >= 0;
  }

  boolean measured(long startedNanos) {
    return startedNanos - measureStartNanos >= 0;
  }

  double secondsSinceStart(long nowNanos) {
    return (nowNanos - startNanos) / 1e9;
  }
}
