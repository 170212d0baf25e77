package raftkv.storage;

import java.io.IOException;
import java.util.List;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/**
 * The durable state of one Raft node: its log and its hard state (term, vote, commit hint).
 *
 * <p>Blocking and single-threaded: the caller confines each instance to one thread (a size-1
 * worker, see {@link AsyncStorage}). The shape follows hashicorp/raft's {@code LogStore} and
 * {@code StableStore}, cut down to what the driver needs: the log is read back once, at start, and
 * afterwards only appended to (with conflict truncation) and synced.
 *
 * <p>After any {@link IOException} from {@code append}, {@code sync} or {@code saveHardState},
 * an implementation may refuse all further writes: the state of the disk is unknown (a failed
 * fsync cannot be retried safely), and the node should restart and recover.
 */
public interface RaftStorage extends AutoCloseable {

  /**
   * Reads everything back at start (recovery) and makes it durable before returning it: what a
   * killed process wrote but never synced is still readable from the page cache, and a node
   * that treated it as on disk could acknowledge entries a later power loss takes away. Call
   * once, before anything else.
   */
  Recovered load() throws IOException;

  /**
   * Appends entries (contiguous, ascending). Any stored entry with index {@code >=
   * entries.get(0).index()} is truncated first (the core's conflict truncation). Not durable
   * until {@link #sync()}.
   *
   * <p>The truncation itself may become durable at once, before the new entries are: a crash
   * can leave the log cut short (never with a gap or a mix of old and new records). So pass
   * entries from the first conflicting index on, never entries the log already holds (Raft §5.3
   * appends only "new entries not already in the log"): re-appending an acknowledged entry
   * puts it at risk until the next sync.
   *
   * @throws IllegalArgumentException if the entries are not contiguous and ascending, or the
   *     first one is past {@code lastIndex() + 1}; nothing is changed then
   */
  void append(List<Entry> entries) throws IOException;

  /** Replaces the hard state atomically and durably (temp file, fsync, rename, fsync dir). */
  void saveHardState(HardState state) throws IOException;

  /** Bytes of log records appended since it was opened, for metrics; 0 where not counted. */
  default long bytesAppended() {
    return 0;
  }

  /** Makes every append so far durable (one fsync for all of them: group commit). */
  void sync() throws IOException;

  /**
   * Deletes entries before {@code keepFrom}, which a durable snapshot covers. An implementation
   * may keep some of them (a log in segments deletes whole segments only).
   */
  void compact(long keepFrom) throws IOException;

  /**
   * Discards the whole log: a snapshot up to {@code lastIndex}, already durable, replaces it,
   * and the next append is at {@code lastIndex + 1}.
   */
  void resetLog(long lastIndex) throws IOException;

  /** The index of the last entry appended (synced or not); with no entries, where the log starts
   * after (0, or the index of the snapshot it was reset to). */
  long lastIndex();

  /** Releases files. Does not sync: call {@link #sync()} first for what must be durable. */
  @Override
  void close() throws IOException;
}
