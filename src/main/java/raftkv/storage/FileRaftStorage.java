package raftkv.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/**
 * The durable {@link RaftStorage}: a JSON-lines write-ahead log in segment files ({@link Wal},
 * {@link WalRecord}) and a hard state file ({@link HardStateFile}), in one data directory.
 *
 * <pre>
 *   data/hardstate.json                        {"term":3,"votedFor":2,"commit":17,"crc":"..."}
 *   data/log-00000000000000000001.jsonl        {"index":1,"term":1,"command":"","crc":"..."}
 *   data/log-00000000000000004211.jsonl        ... one record per line, readable with head and jq
 * </pre>
 *
 * <p>Recovery ({@link #load()}) is described in {@link WalRecovery}; before it returns, everything
 * it read back is made durable (see {@link #load()}). The directory is locked ({@link
 * DataDirLock}) from {@link #open} to {@link #close()}. After an I/O error during a
 * write the instance refuses further writes: what reached the disk is unknown, and retrying an
 * fsync that failed can report data durable that is not (the page cache may have dropped it).
 */
public final class FileRaftStorage implements RaftStorage {

  private static final Logger LOG = LoggerFactory.getLogger(FileRaftStorage.class);

  private final Path dir;
  private final StorageOptions options;
  private final HardStateFile hardStateFile;
  private final DataDirLock lock;
  private final SnapshotFiles snapshots;
  private final List<Path> syncedAtRecovery = new ArrayList<>();
  private Wal wal;
  private HardState savedHardState;
  private IOException failure;
  private boolean closed;

  private FileRaftStorage(Path dir, StorageOptions options, DataDirLock lock) {
    this.dir = dir;
    this.options = options;
    this.hardStateFile = new HardStateFile(dir);
    this.lock = lock;
    this.snapshots = new SnapshotFiles(dir);
  }

  /** The snapshot files of this data directory. */
  public SnapshotFiles snapshots() {
    return snapshots;
  }

  /**
   * Opens (creating it if needed) the data directory and locks it; call {@link #load()} next.
   *
   * @throws IOException naming the holder when another process has the directory open
   */
  public static FileRaftStorage open(Path dir, StorageOptions options) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      // a new directory's name is on disk only once its parent is synced
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null) FileSync.syncDir(parent);
    }
    return new FileRaftStorage(dir, options, DataDirLock.acquire(dir));
  }

  @Override
  public Recovered load() throws IOException {
    checkOpen();
    if (wal != null) throw new IllegalStateException("load() was already called");
    List<String> warnings = new ArrayList<>();
    snapshots.deleteLeftovers();
    HardState hardState = hardStateFile.read(warnings);
    WalRecovery.Result log = WalRecovery.recover(dir, options.repair(), warnings);
    makeDurable(log.segments());
    wal = new Wal(dir, options.segmentSizeBytes(), log.segments());
    savedHardState = hardState;
    long lastIndex = wal.lastIndex();
    HardState clamped = AppendRules.clampCommit(hardState, lastIndex, warnings);
    if (lastIndex > 0 || !hardState.equals(HardState.EMPTY)) {
      LOG.info("{}: recovered entries {}..{} and {}", dir, wal.firstIndex(), lastIndex, clamped);
    } else {
      LOG.debug("{}: new data directory", dir);
    }
    return new Recovered(clamped, log.entries(), warnings);
  }

  /**
   * Everything recovery read back may be only in the page cache: a killed process leaves its
   * unsynced writes there (the next process reads them back as if on disk), a segment created
   * just before the kill has no directory entry on disk yet, nor does a hard state file renamed
   * just before it. The node is about to promise what it recovered (acknowledge entries, keep
   * its vote), so it fsyncs all of it first, as PostgreSQL fsyncs its data directory before
   * crash recovery. Files that are already on disk cost next to nothing to fsync.
   */
  private void makeDurable(List<WalSegment> segments) throws IOException {
    long started = System.nanoTime();
    for (WalSegment segment : segments) syncAtRecovery(segment.path);
    if (Files.exists(dir.resolve(HardStateFile.NAME))) {
      syncAtRecovery(dir.resolve(HardStateFile.NAME));
    }
    FileSync.syncDir(dir);
    syncedAtRecovery.add(dir);
    if (!segments.isEmpty()) {
      LOG.info("{}: made the recovered log durable ({} segment files fsynced in {} ms)", dir,
          segments.size(), (System.nanoTime() - started) / 1_000_000);
    }
  }

  private void syncAtRecovery(Path file) throws IOException {
    FileSync.syncFile(file);
    syncedAtRecovery.add(file);
  }

  /** The files and the directory that {@link #load()} fsynced, in order (for tests). */
  List<Path> syncedAtRecovery() {
    return List.copyOf(syncedAtRecovery);
  }

  @Override
  public void append(List<Entry> entries) throws IOException {
    checkWritable();
    if (entries.isEmpty()) return;
    AppendRules.check(entries, wal.lastIndex());
    try {
      wal.append(entries);
    } catch (IOException e) {
      throw fail(e);
    }
  }

  @Override
  public long bytesAppended() {
    return wal == null ? 0 : wal.bytesAppended();
  }

  @Override
  public void saveHardState(HardState state) throws IOException {
    checkWritable();
    if (state.equals(savedHardState)) return;
    try {
      hardStateFile.write(state);
      savedHardState = state;
    } catch (IOException e) {
      throw fail(e);
    }
  }

  @Override
  public void sync() throws IOException {
    checkWritable();
    try {
      wal.sync();
    } catch (IOException e) {
      throw fail(e);
    }
  }

  @Override
  public void compact(long keepFrom) throws IOException {
    checkWritable();
    try {
      int deleted = wal.compact(keepFrom);
      if (deleted > 0) {
        LOG.debug("{}: deleted {} log segments before index {}", dir, deleted, keepFrom);
      }
    } catch (IOException e) {
      throw fail(e);
    }
  }

  @Override
  public void resetLog(long lastIndex) throws IOException {
    checkWritable();
    try {
      wal.reset(lastIndex);
    } catch (IOException e) {
      throw fail(e);
    }
  }

  /** The first index the log on disk holds. */
  public long firstIndex() {
    checkLoaded();
    return wal.firstIndex();
  }

  @Override
  public long lastIndex() {
    checkLoaded();
    return wal.lastIndex();
  }

  @Override
  public void close() throws IOException {
    if (closed) return;
    closed = true;
    try {
      if (wal != null) wal.close();
    } finally {
      lock.close();
    }
  }

  @Override
  public String toString() {
    return "FileRaftStorage[" + dir + "]";
  }

  private IOException fail(IOException e) {
    failure = e;
    LOG.error("{}: write failed; refusing further writes until a restart recovers the log", dir, e);
    return e;
  }

  private void checkWritable() throws IOException {
    checkLoaded();
    if (failure != null) {
      throw new IOException(dir + ": an earlier write failed; restart the node to recover",
          failure);
    }
  }

  private void checkLoaded() {
    checkOpen();
    if (wal == null) throw new IllegalStateException("call load() first");
  }

  private void checkOpen() {
    if (closed) throw new IllegalStateException(this + " is closed");
  }
}
