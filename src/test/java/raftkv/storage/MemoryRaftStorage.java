package raftkv.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

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
 * <p>{@link #load()} makes what it returns durable before returning it, as {@link
 * FileRaftStorage#load()} does: a restarted node may promise anything it recovered. Built with
 * {@code trustRecovered} (a sabotage, to prove the simulator notices) it does not, and data a
 * killed process left in the page cache stays one power loss away from vanishing.
 */
public final class MemoryRaftStorage implements RaftStorage {

  private final boolean trustRecovered;
  // What a reader sees: disk and page cache.
  private final List<Entry> log;
  private HardState hardState;
  // What survives a power loss.
  private final List<Entry> durableLog;
  private final List<List<Entry>> unsynced; // appends since the last sync, oldest first
  private HardState durableHardState;
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
    this(trustRecovered, List.of(), HardState.EMPTY, List.of(), List.of(), HardState.EMPTY);
  }

  private MemoryRaftStorage(boolean trustRecovered, List<Entry> log, HardState hardState,
      List<Entry> durableLog, List<List<Entry>> unsynced, HardState durableHardState) {
    this.trustRecovered = trustRecovered;
    this.log = new ArrayList<>(log);
    this.hardState = hardState;
    this.durableLog = new ArrayList<>(durableLog);
    this.unsynced = new ArrayList<>(unsynced);
    this.durableHardState = durableHardState;
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
    return new Recovered(state, log, warnings);
  }

  @Override
  public void append(List<Entry> entries) {
    checkLoaded();
    if (entries.isEmpty()) return;
    AppendRules.check(entries, lastIndex());
    List<Entry> batch = List.copyOf(entries);
    applyAppend(log, batch);
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
    durableLog.clear();
    durableLog.addAll(log);
    unsynced.clear();
  }

  @Override
  public long lastIndex() {
    return log.isEmpty() ? 0 : log.get(log.size() - 1).index();
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
        durableHardState);
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
    List<Entry> survived = new ArrayList<>(durableLog);
    int whole = random.nextInt(unsynced.size() + 1);
    for (List<Entry> batch : unsynced.subList(0, whole)) {
      applyAppend(survived, batch);
    }
    if (whole < unsynced.size()) {
      List<Entry> torn = unsynced.get(whole);
      int written = random.nextInt(torn.size() + 1) - 1; // -1: not even its truncation happened
      if (written >= 0) {
        truncateFrom(survived, torn.get(0).index());
        survived.addAll(torn.subList(0, written));
      }
    }
    return new MemoryRaftStorage(trustRecovered, survived, durableHardState, survived, List.of(),
        durableHardState);
  }

  /**
   * The worst power loss: none of the writes since the last sync reached the disk (what {@link
   * #powerLoss} does with the unluckiest draw). For tests that need that exact outcome.
   */
  public MemoryRaftStorage powerLossOfEverythingUnsynced() {
    return new MemoryRaftStorage(trustRecovered, durableLog, durableHardState, durableLog,
        List.of(), durableHardState);
  }

  /** Every entry appended so far, synced or not: what a reader sees. */
  public List<Entry> entries() {
    return List.copyOf(log);
  }

  /** The entries a power loss cannot lose: the log as of the last sync. */
  public List<Entry> syncedEntries() {
    return List.copyOf(durableLog);
  }

  /** Whether a power loss now would keep {@code entry} at its index (O(1), for checkers). */
  public boolean durablyHolds(Entry entry) {
    long i = entry.index();
    return i <= durableLog.size() && durableLog.get((int) i - 1).equals(entry);
  }

  /** The hard state a power loss cannot lose. */
  public HardState durableHardState() {
    return durableHardState;
  }

  private static void applyAppend(List<Entry> target, List<Entry> batch) {
    truncateFrom(target, batch.get(0).index());
    target.addAll(batch);
  }

  /** Drops the entries from {@code index} on (the log starts at index 1). */
  private static void truncateFrom(List<Entry> target, long index) {
    int keep = (int) (index - 1);
    if (keep < target.size()) target.subList(keep, target.size()).clear();
  }

  private void checkLoaded() {
    checkOpen();
    if (!loaded) throw new IllegalStateException("call load() first");
  }

  private void checkOpen() {
    if (closed) throw new IllegalStateException("this storage is closed");
  }
}
