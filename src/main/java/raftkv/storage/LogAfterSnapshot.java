package raftkv.storage;

import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.Entry;
import raftkv.raft.SnapshotMeta;

/**
 * At start, fits the recovered log to the newest intact snapshot (Raft §7): the log must reach
 * back to the snapshot's end; if it holds the snapshot's last entry with the same term, the
 * entries after it continue the snapshot's history and stay; otherwise the log is discarded
 * (it ended before the snapshot, or diverged from it, which a snapshot received from the leader
 * but not yet followed by a reset of the log leaves behind). A snapshot holds only committed
 * state, so nothing discarded this way was ever committed.
 */
public final class LogAfterSnapshot {

  private static final Logger LOG = LoggerFactory.getLogger(LogAfterSnapshot.class);

  private LogAfterSnapshot() {}

  /**
   * The entries to rebuild the core from, after resetting {@code storage}'s log if it does not
   * continue {@code snapshot}.
   *
   * @throws CorruptLogException when the log starts after the snapshot's end: the entries in
   *     between are nowhere, and the message says what to do
   */
  public static List<Entry> reconcile(RaftStorage storage, Recovered recovered,
      SnapshotMeta snapshot, String snapshotProblem) throws IOException {
    List<Entry> entries = recovered.entries();
    if (entries.isEmpty()) {
      if (storage.lastIndex() != snapshot.index()) storage.resetLog(snapshot.index());
      return entries;
    }
    long first = entries.get(0).index();
    long last = recovered.lastIndex();
    if (first > snapshot.index() + 1) {
      throw new CorruptLogException(null, CorruptLogException.WHOLE_FILE, "the log starts at"
          + " index " + first + " but " + (snapshot.isNone() ? "there is no intact snapshot"
              : "the newest intact snapshot ends at " + snapshot.index())
          + (snapshotProblem == null ? "" : " (" + snapshotProblem + ")")
          + ": entries " + (snapshot.index() + 1) + ".." + (first - 1) + " are in neither. With"
          + " the node stopped, copy the newest snap-*.jsonl from a healthy member's data"
          + " directory into this one and start it again; or replace the node: remove it from"
          + " the cluster and add a new node with a new id and an empty data directory.");
    }
    boolean continues = snapshot.index() < first
        || (snapshot.index() <= last
            && entries.get((int) (snapshot.index() - first)).term() == snapshot.term());
    if (continues) return entries;
    LOG.info("the log ({}..{}) does not continue the {}: discarding it", first, last, snapshot);
    storage.resetLog(snapshot.index());
    return List.of();
  }
}
