package raftkv.server;

/**
 * The moment by which a client request must be answered. Every step of a request (asking the
 * local node, forwarding to the leader, retrying) gets only the time that is left.
 */
record Deadline(long atNanos) {

  /** A deadline {@code millis} from now. */
  static Deadline in(long millis) {
    return new Deadline(System.nanoTime() + millis * 1_000_000);
  }

  /** Milliseconds left, never negative. */
  long remainingMs() {
    return Math.max(0, (atNanos - System.nanoTime()) / 1_000_000);
  }

  boolean expired() {
    return remainingMs() == 0;
  }
}
