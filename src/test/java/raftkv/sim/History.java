package raftkv.sim;

import java.util.ArrayList;
import java.util.List;
import raftkv.raft.Entry;

/** What the simulated clients saw: one record per operation that may have taken effect. */
final class History {

  enum Kind { PUT, GET, DELETE, CAS }

  /** One proposal of a write: where its entry went, and what the entry says. */
  record Attempt(long index, long term, String command) {
    Entry entry() {
      return new Entry(index, term, command);
    }
  }

  /**
   * An operation; times are logical stamps ({@link EventQueue#stamp}), and
   * {@code returnTime == UNKNOWN} when its outcome is unknown. A write may be proposed several
   * times (retries with its request id); it is one operation all the same.
   */
  static final class Op {
    static final long UNKNOWN = Long.MAX_VALUE;
    final int client;
    final Kind kind;
    final String key;
    /** Written by a PUT or CAS; read by a GET (null: absent). */
    String value;
    /** A CAS's condition: the value it expects (null: absent) and that value's revision. */
    final String expected;
    final long prevRevision;
    /** A write's request id, or null. */
    final String requestId;
    final long callTime;
    long returnTime = UNKNOWN;
    /** A CAS's answer. */
    boolean swapped;
    /** Every proposal of a write, in order. */
    final List<Attempt> attempts = new ArrayList<>();
    /** The proposal whose result the client got (a write's acknowledgement). */
    Attempt acknowledgedBy;
    boolean acknowledged;
    /** Certainly did not happen (rejected, superseded, or a read never answered). */
    boolean discarded;
    /** Some attempt's fate is unknown: it may have taken effect. */
    boolean mayHaveApplied;
    /** Attempts proposed and not answered yet. */
    int pendingAttempts;
    /** The store refused the request id: it stands for another request. */
    boolean refused;

    Op(int client, Kind kind, String key, String value, String expected, long prevRevision,
        String requestId, long callTime) {
      this.client = client;
      this.kind = kind;
      this.key = key;
      this.value = value;
      this.expected = expected;
      this.prevRevision = prevRevision;
      this.requestId = requestId;
      this.callTime = callTime;
    }

    boolean isWrite() {
      return kind != Kind.GET;
    }

    @Override
    public String toString() {
      String what = switch (kind) {
        case PUT -> "=" + value;
        case GET -> "->" + value;
        case DELETE -> "";
        case CAS -> " " + expected + "@" + prevRevision + "=>" + value + (swapped ? " ok" : "");
      };
      return "c" + client + " " + kind + " " + key + what
          + (requestId == null ? "" : " id=" + requestId)
          + " [" + callTime + ", " + (returnTime == UNKNOWN ? "?" : returnTime) + "]";
    }
  }

  private final List<Op> ops = new ArrayList<>();

  void add(Op op) {
    ops.add(op);
  }

  /** Every operation, discarded ones too. */
  List<Op> all() {
    return ops;
  }

  /** The operations that may have taken effect. */
  List<Op> ops() {
    return ops.stream().filter(op -> !op.discarded).toList();
  }
}
