package raftkv.raft;

/**
 * The state a node must keep on disk before it answers anyone (Raft Figure 2, "persistent state
 * on all servers"): the latest term it has seen and whom it voted for in that term. The commit
 * index rides along as a hint for recovery; it may lag, because commitment is re-learned from the
 * leader.
 *
 * @param votedFor node id voted for in {@code term}, or {@link #NO_VOTE}
 */
public record HardState(long term, int votedFor, long commit) {

  public static final int NO_VOTE = 0;
  public static final HardState EMPTY = new HardState(0, NO_VOTE, 0);

  public HardState {
    if (term < 0 || commit < 0) throw new IllegalArgumentException("negative term or commit");
    if (votedFor < 0) throw new IllegalArgumentException("negative votedFor");
  }

  @Override
  public String toString() {
    return "term=" + term + " vote=" + votedFor + " commit=" + commit;
  }
}
