package raftkv.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.SnapshotMeta;

/**
 * A {@link RaftStorage} in memory, for tests and the simulator, with a model of what the
 * operating system keeps when a process dies and when the power fails.
 *
 * <p>It keeps two views, as a machine does. What a reader sees: every append and the last hard
 * state, whether synced or still in the page cache. What survives a power loss: the log as of the
 * last {@link #sync()}, and the hard state as of the last save that finished.
 *
 * <ul>
 *   <li>{@link #kill}: the process dies (SIGKILL, a crash); the machine lives on, and so does the
 *       page cache. The next process reads back everything, synced or not, and a hard state whose
 *       save was cut short after its rename but before its directory fsync.
 *   <li>{@link #powerLoss}: the page cache is gone. The durable log survives with a random prefix
 *       of the appends made since the last sync, the last of them possibly cut short after its
 *       truncation (as {@link FileRaftStorage} makes a truncation durable before writing after
 *       it); the hard state is the last one saved durably.
 * </ul>
 *
 * <p>Snapshots ({@link #saveSnapshot}) are durable once saved, as a file written to a temp
 * name, fsynced and renamed is; the newest two are kept. {@link #compact} and {@link #resetLog}
 * are durable at once too (whole segment files deleted, each deletion synced).
 *
 * <p>{@link #load()} makes what it returns durable before returning it, as {@link
 * FileRaftStorage#load()} does: a restarted node may promise anything it recovered. Built with
 * {@code trustRecovered} (a sabotage, to prove the simulator notices) it does not, and data a
 * killed process left in the page cache stays one power loss away from vanishing.
 */
public final class MemoryRaftStorage implements RaftStorage {

  /** A saved snapshot: where it ends in the log, and its content. */
  public record StoredSnapshot(SnapshotMeta meta, byte[] content) {}

  /** A log whose first entry is at {@link #first} (entries before it were compacted). */
  private static final class LogImage {
    long first;
    final ArrayList<Entry> entries;

    LogImage(long first, List<Entry> entries) {
      this.first = first;
      this.entries = new ArrayList<>(entries);
    }

    LogImage copy() {
      return new LogImage(first, entries);
    }

    long last() {
      return first - 1 + entries.size();
    }

    Entry at(long index) {
      return index < first || index > last() ? null : entries.get((int) (index - first));
    }

    /** Drops the entries from {@code index} on. */
    void truncateFrom(long index) {
      if (index <= first) {
        entries.clear();
        first = Math.min(first, index);
      } else if (index <= last()) {
        entries.subList((int) (index - first), entries.size()).clear();
      }
    }

    void append(List<Entry> batch) {
      long start = batch.get(0).index();
      truncateFrom(start);
      for (Entry e : batch) {
        if (e.index() == last() + 1) entries.add(e);
      }
    }

    void dropBefore(long keepFrom) {
      if (keepFrom <= first) return;
      long drop = Math.min(keepFrom, last() + 1) - first;
      entries.subList(0, (int) drop).clear();
      first += drop;
    }

    void reset(long lastIndex) {
      entries.clear();
      first = lastIndex + 1;
    }
  }

  private final boolean trustRecovered;
  // What a reader sees: disk and page cache.
  private final LogImage log;
  private HardState hardState;
  // What survives a power loss.
  private final LogImage durableLog;
  private final List<List<Entry>> unsynced; // appends since the last sync, oldest first
  private HardState durableHardState;
  private final List<StoredSnapshot> snapshots; // newest first
  private boolean loaded;
  private boolean closed;

  /** An empty storage, as a fresh data directory. */
  public MemoryRaftStorage() {
    this(false);
  }

  /**
   * An empty storage; with {@code trustRecovered}, {@link #load()} skips making what it recovers
   * durable (a sabotage: see the class comment).
   */
  public MemoryRaftStorage(boolean trustRecovered) {
    this(trustRecovered, new LogImage(1, List.of()), HardState.EMPTY, new LogImage(1, List.of()),
        List.of(), HardState.EMPTY, List.of());
  }

  private MemoryRaftStorage(boolean trustRecovered, LogImage log, HardState hardState,
      LogImage durableLog, List<List<Entry>> unsynced, HardState durableHardState,
      List<StoredSnapshot> snapshots) {
    this.trustRecovered = trustRecovered;
    this.log = log.copy();
    this.hardState = hardState;
    this.durableLog = durableLog.copy();
    this.unsynced = new ArrayList<>(unsynced);
    this.durableHardState = durableHardState;
    this.snapshots = new ArrayList<>(snapshots);
  }

  @Override
  public Recovered load() {
    checkOpen();
    if (loaded) throw new IllegalStateException("load() was already called");
    loaded = true;
    if (!trustRecovered) {
      sync();
      durableHardState = hardState;
    }
    List<String> warnings = new ArrayList<>();
    HardState state = AppendRules.clampCommit(hardState, lastIndex(), warnings);
    return new Recovered(state, log.entries, warnings);
  }

  @Override
  public void append(List<Entry> entries) {
    checkLoaded();
    if (entries.isEmpty()) return;
    AppendRules.check(entries, lastIndex());
    List<Entry> batch = List.copyOf(entries);
    log.append(batch);
    unsynced.add(batch);
  }

  @Override
  public void saveHardState(HardState state) {
    checkLoaded();
    hardState = state;
    durableHardState = state;
  }

  @Override
  public void sync() {
    checkLoaded();
    durableLog.first = log.first;
    durableLog.entries.clear();
    durableLog.entries.addAll(log.entries);
    unsynced.clear();
  }

  /** Deletes only what is durable, as a segmented log deletes only closed (synced) segments. */
  @Override
  public void compact(long keepFrom) {
    checkLoaded();
    long upTo = Math.min(keepFrom, durableLog.last() + 1);
    log.dropBefore(upTo);
    durableLog.dropBefore(upTo);
  }

  @Override
  public void resetLog(long lastIndex) {
    checkLoaded();
    log.reset(lastIndex);
    durableLog.reset(lastIndex);
    unsynced.clear();
  }

  @Override
  public long lastIndex() {
    return log.last();
  }

  /** The first index the log holds. */
  public long firstIndex() {
    return log.first;
  }

  /** Saves a snapshot durably (as temp file, fsync, rename, fsync dir), keeping the newest two. */
  public void saveSnapshot(SnapshotMeta meta, byte[] content) {
    snapshots.removeIf(s -> s.meta().index() == meta.index());
    snapshots.add(new StoredSnapshot(meta, content.clone()));
    snapshots.sort((a, b) -> Long.compare(b.meta().index(), a.meta().index()));
    while (snapshots.size() > 2) snapshots.remove(snapshots.size() - 1);
  }

  /** The saved snapshots, newest first. */
  public List<StoredSnapshot> snapshots() {
    return List.copyOf(snapshots);
  }

  /** The newest snapshot's metadata, or {@link SnapshotMeta#NONE}. */
  public SnapshotMeta newestSnapshot() {
    return snapshots.isEmpty() ? SnapshotMeta.NONE : snapshots.get(0).meta();
  }

  @Override
  public void close() {
    closed = true;
  }

  /**
   * The storage the next process finds after this one is killed: everything it wrote, the
   * unsynced appends still unsynced. This instance is left as it was; the new one needs {@link
   * #load()}.
   *
   * @param hardStateBeingSaved a hard state whose save was under way when the process died, or
   *     null; it is visible to the next process, though not durable, if the kill came after its
   *     rename (decided by {@code random})
   */
  public MemoryRaftStorage kill(HardState hardStateBeingSaved, SplittableRandom random) {
    HardState visible = hardStateBeingSaved != null && random.nextBoolean()
        ? hardStateBeingSaved
        : hardState;
    return new MemoryRaftStorage(trustRecovered, log, visible, durableLog, unsynced,
        durableHardState, snapshots);
  }

  /** As {@link #kill(HardState, SplittableRandom)} with no hard state save under way. */
  public MemoryRaftStorage kill() {
    return kill(null, null);
  }

  /**
   * The storage a restart after a power loss finds: the durable log plus a random prefix of the
   * unsynced appends (see the class comment), and the last durably saved hard state. This
   * instance is left as it was; the new one needs {@link #load()}.
   */
  public MemoryRaftStorage powerLoss(SplittableRandom random) {
    LogImage survived = durableLog.copy();
    int whole = random.nextInt(unsynced.size() + 1);
    for (List<Entry> batch : unsynced.subList(0, whole)) {
      survived.append(batch);
    }
    if (whole < unsynced.size()) {
      List<Entry> torn = unsynced.get(whole);
      int written = random.nextInt(torn.size() + 1) - 1; // -1: not even its truncation happened
      if (written >= 0) {
        survived.truncateFrom(torn.get(0).index());
        if (written > 0) survived.append(torn.subList(0, written));
      }
    }
    return new MemoryRaftStorage(trustRecovered, survived, durableHardState, survived, List.of(),
        durableHardState, snapshots);
  }

  /**
   * The worst power loss: none of the writes since the last sync reached the disk (what {@link
   * #powerLoss} does with the unluckiest draw). For tests that need that exact outcome.
   */
  public MemoryRaftStorage powerLossOfEverythingUnsynced() {
    return new MemoryRaftStorage(trustRecovered, durableLog, durableHardState, durableLog,
        List.of(), durableHardState, snapshots);
  }

  /** Every entry appended so far, synced or not: what a reader sees. */
  public List<Entry> entries() {
    return List.copyOf(log.entries);
  }

  /** The entries a power loss cannot lose: the log as of the last sync. */
  public List<Entry> syncedEntries() {
    return List.copyOf(durableLog.entries);
  }

  /**
   * Whether a power loss now would keep {@code entry} at its index, in the log or in a snapshot
   * that covers it (O(1), for checkers; a snapshot is trusted to hold its own history).
   */
  public boolean durablyHolds(Entry entry) {
    Entry held = durableLog.at(entry.index());
    if (held != null) return held.equals(entry);
    SnapshotMeta newest = newestSnapshot();
    return entry.index() < durableLog.first && entry.index() <= newest.index();
  }

  /** The hard state a power loss cannot lose. */
  public HardState durableHardState() {
    return durableHardState;
  }

  private void checkLoaded() {
    checkOpen();
    if (!loaded) throw new IllegalStateException("call load() first");
  }

  private void checkOpen() {
    if (closed) throw new IllegalStateException("this storage is closed");
  }
}
