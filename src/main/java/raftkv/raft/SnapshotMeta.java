package raftkv.raft;

import java.util.Objects;

/**
 * What a snapshot covers: every entry up to {@code index}, the last of which has {@code term},
 * and the cluster's configuration as of that entry ({@link Membership#EMPTY} when none was
 * recorded). The state machine's content travels beside it (a file, a stream of chunks); the core
 * only needs to know where the snapshot ends, to compare it with logs (Raft §7), and which
 * configuration the log it replaces had reached.
 */
public record SnapshotMeta(long index, long term, Membership membership) {

  /** No snapshot: the log starts at index 1. */
  public static final SnapshotMeta NONE = new SnapshotMeta(0, 0);

  /** A snapshot that records no configuration. */
  public SnapshotMeta(long index, long term) {
    this(index, term, Membership.EMPTY);
  }

  public SnapshotMeta {
    Objects.requireNonNull(membership, "membership");
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
