package raftkv.transport;

import raftkv.raft.SnapshotMeta;

/**
 * One piece of a snapshot on its way from a leader to a follower: the bytes from {@code offset}
 * of the snapshot file that ends at {@code snapshot}, sent in {@code term}. The last piece says
 * so; the follower then checks the whole file and hands the snapshot to its core.
 */
public record SnapshotChunk(int from, int to, long term, SnapshotMeta snapshot, long offset,
    boolean last) {

  static final String FROM = "X-Raftkv-From";
  static final String TO = "X-Raftkv-To";
  static final String TERM = "X-Raftkv-Term";
  static final String INDEX = "X-Raftkv-Snapshot-Index";
  static final String SNAPSHOT_TERM = "X-Raftkv-Snapshot-Term";
  static final String OFFSET = "X-Raftkv-Offset";
  static final String LAST = "X-Raftkv-Last";

  public SnapshotChunk {
    if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
  }
}
