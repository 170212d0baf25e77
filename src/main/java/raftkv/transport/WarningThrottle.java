package raftkv.transport;

/**
 * Lets a warning through at most once per interval and counts the ones it holds back, so that a
 * peer that is down for an hour gives a few hundred lines instead of millions. Used on one event
 * loop only.
 */
final class WarningThrottle {

  private final long intervalNanos;
  private boolean warnedBefore;
  private long lastWarningNanos;
  private long heldBack;

  WarningThrottle(long intervalMs) {
    this.intervalNanos = intervalMs * 1_000_000;
  }

  /** True if a warning may be logged now; otherwise it is counted as held back. */
  boolean allow() {
    long now = System.nanoTime();
    if (warnedBefore && now - lastWarningNanos < intervalNanos) {
      heldBack++;
      return false;
    }
    warnedBefore = true;
    lastWarningNanos = now;
    return true;
  }

  /**
   * For the end of a warning that went through: how many were held back since the previous one
   * ({@code " (and 12 more refused since the last warning)"}), or nothing. Resets the count.
   */
  String heldBackNote(String what) {
    long n = heldBack;
    heldBack = 0;
    return n == 0 ? "" : " (and " + n + " more " + what + " since the last warning)";
  }
}
