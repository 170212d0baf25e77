package raftkv.raft;

/**
 * What a snapshot covers: every entry up to {@code index}, the last of which has {@code term}.
 * The state machine's content travels beside it (a file, a stream of chunks); the core only needs
 * to know where the snapshot ends, to compare it with logs (Raft §7).
 */
public record SnapshotMeta(long index, long term) {

  /** No snapshot: the log starts at index 1. */
  public static final SnapshotMeta NONE = new SnapshotMeta(0, 0);

  public SnapshotMeta {
    if (index < 0 || term < 0) throw new IllegalArgumentException("negative snapshot index or term");
    if ((index == 0) != (term == 0)) {
      throw new IllegalArgumentException("a snapshot has both an index and a term, or neither: "
          + index + "/" + term);
    }
  }

  public boolean isNone() {
    return index == 0;
  }

  @Override
  public String toString() {
    return "snapshot " + term + "/" + index;
  }
}
