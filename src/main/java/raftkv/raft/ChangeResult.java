package raftkv.raft;

/**
 * What became of a request to change the configuration or to transfer leadership: proposed (a
 * configuration entry at {@code index}; 0 for a transfer, which adds no entry), or refused and
 * why.
 */
public record ChangeResult(long index, Refusal refusal, String reason) {

  /** Why a request was refused. */
  public enum Refusal {
    /** This node does not lead: ask the leader. */
    NOT_LEADER,
    /** Another change, a leadership transfer, or this leader's first commit is under way. */
    BUSY,
    /** The learner to promote (or the transfer's target) has not caught up with the log yet. */
    NOT_CAUGHT_UP,
    /** Not a single-server change, or names no member that could take it. */
    INVALID
  }

  static ChangeResult proposed(long index) {
    return new ChangeResult(index, null, null);
  }

  static ChangeResult refused(Refusal refusal, String reason) {
    return new ChangeResult(0, refusal, reason);
  }

  public boolean accepted() {
    return refusal == null;
  }
}
