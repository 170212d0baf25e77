package raftkv.raft;

import java.util.List;

/**
 * The read side of a node's log, in the style of etcd raft's {@code Storage}: the entries it
 * still holds, their terms, and the snapshot that covers everything before them.
 *
 * <p>Invariants: {@code snapshot().index() >= firstIndex() - 1} (no gap between the snapshot and
 * the log) and {@code firstIndex() - 1 <= lastIndex()} (the log may be empty).
 */
public interface LogView {

  /** The first index whose entry is held; entries before it were compacted into a snapshot. */
  long firstIndex();

  /** The index of the last entry, or the snapshot's index when the log is empty. */
  long lastIndex();

  /**
   * The term of the entry at {@code index}: 0 for index 0, the compacted prefix's last term for
   * {@code firstIndex() - 1}, and -1 when it is not known (compacted further back, or beyond the
   * end).
   */
  long termAt(long index);

  /**
   * Entries in {@code [from, to]}, but at most about {@code maxBytes} of them (always at least
   * one, so a large entry cannot stall replication).
   *
   * @throws IndexOutOfBoundsException if {@code from} was compacted or {@code to} is past the end
   */
  List<Entry> entries(long from, long to, long maxBytes);

  /** The latest snapshot this node holds ({@link SnapshotMeta#NONE} before the first). */
  SnapshotMeta snapshot();
}
