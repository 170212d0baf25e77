package raftkv.sim;

import java.util.ArrayList;
import java.util.List;

/** What the simulated clients saw: one record per operation that may have taken effect. */
final class History {

  enum Kind { PUT, GET }

  /**
   * An operation; times are logical stamps ({@link EventQueue#stamp}), and
   * {@code returnTime == UNKNOWN} when its outcome is unknown.
   */
  static final class Op {
    static final long UNKNOWN = Long.MAX_VALUE;
    final int client;
    final Kind kind;
    final String key;
    String value; // written by a PUT, or read by a GET (null: absent)
    final long callTime;
    long returnTime = UNKNOWN;
    /** Where a PUT was proposed: acknowledged puts must be in the committed log there. */
    long index;
    long term;
    boolean acknowledged;
    /** Certainly did not happen (rejected, superseded, or a read never answered). */
    boolean discarded;

    Op(int client, Kind kind, String key, String value, long callTime) {
      this.client = client;
      this.kind = kind;
      this.key = key;
      this.value = value;
      this.callTime = callTime;
    }

    @Override
    public String toString() {
      return "c" + client + " " + kind + " " + key + (kind == Kind.PUT ? "=" + value : "->" + value)
          + " [" + callTime + ", " + (returnTime == UNKNOWN ? "?" : returnTime) + "]";
    }
  }

  private final List<Op> ops = new ArrayList<>();

  void add(Op op) {
    ops.add(op);
  }

  /** The operations that may have taken effect. */
  List<Op> ops() {
    return ops.stream().filter(op -> !op.discarded).toList();
  }
}
