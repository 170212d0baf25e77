package raftkv.frontend;

/**
 * The moment by which a client request must be answered. Every step of a request (asking the
 * local node, forwarding to the leader, retrying) gets only the time that is left.
 */
public record Deadline(long atNanos) {

  /** A deadline {@code millis} from now. */
  public static Deadline in(long millis) {
    return new Deadline(System.nanoTime() + millis * 1_000_000);
  }

  /** Milliseconds left, never negative. */
  public long remainingMs() {
    return Math.max(0, (atNanos - System.nanoTime()) / 1_000_000);
  }
}
