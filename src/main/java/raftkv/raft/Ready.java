package raftkv.raft;

import java.util.List;

/**
 * Everything the core wants done, as one batch the driver executes in this order:
 *
 * <ol>
 *   <li>send {@link #messages} right away (the leader's appends go out in parallel with its own
 *       disk write);
 *   <li>persist {@link #snapshot} (if not null: a snapshot from the leader, which replaces the
 *       whole stored log), then {@link #hardState} (if not null) and {@link #entries} (which
 *       replace any stored entries from the first one's index on), with one fsync when
 *       {@link #mustSync()};
 *   <li>once that is durable, and every earlier Ready's persistence too, send
 *       {@link #messagesAfterPersist} (votes and acknowledgements: promises that must survive a
 *       crash) and call {@link RaftNode#advance(Ready)};
 *   <li>restore the state machine from {@link #snapshot} (if not null), apply
 *       {@link #committedEntries} in order, serve {@link #readStates} once applied far
 *       enough, and fail the client requests behind {@link #abortedReads}.
 * </ol>
 *
 * Committed entries may be applied before the same Ready's entries are durable here: they are
 * already durable on a majority.
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    SnapshotMeta snapshot,
    List<Entry> entries,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<Entry> committedEntries,
    List<ReadState> readStates,
    List<Long> abortedReads) {

  public boolean mustSync() {
    return hardState != null || snapshot != null || !entries.isEmpty();
  }

  public boolean isEmpty() {
    return hardState == null && snapshot == null && entries.isEmpty() && messages.isEmpty()
        && messagesAfterPersist.isEmpty() && committedEntries.isEmpty() && readStates.isEmpty()
        && abortedReads.isEmpty();
  }

  /** The last entry this Ready persists, or null. */
  public Entry lastEntry() {
    return entries.isEmpty() ? null : entries.get(entries.size() - 1);
  }
}
