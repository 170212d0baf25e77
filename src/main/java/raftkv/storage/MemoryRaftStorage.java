package raftkv.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/**
 * A {@link RaftStorage} in memory, for tests and the simulator, with a model of what a crash
 * keeps.
 *
 * <p>It keeps the durable log (as of the last {@link #sync()}) apart from the appends made since.
 * A crash ({@link #crash(SplittableRandom)}) keeps the durable log plus the effect of a random
 * prefix of those later appends, the last of them possibly cut short after its truncation (as
 * {@link FileRaftStorage} makes a truncation durable before writing after it). So a crash never
 * shows an entry that was not appended, and never loses a synced entry unless a later append
 * truncated it. The hard state is saved durably and atomically by {@link #saveHardState}: after a
 * crash it is the last one saved, never a mix.
 *
 * <p>A clean restart ({@link #reopen()}) keeps everything, as the operating system keeps the
 * files a process wrote when it exits or is killed; the appends stay unsynced, so a later crash
 * can still lose them.
 */
public final class MemoryRaftStorage implements RaftStorage {

  private final List<Entry> durable;
  private final List<Entry> log;
  private final List<List<Entry>> unsynced;
  private HardState hardState;
  private boolean loaded;
  private boolean closed;

  /** An empty storage, as a fresh data directory. */
  public MemoryRaftStorage() {
    this(List.of(), List.of(), List.of(), HardState.EMPTY);
  }

  private MemoryRaftStorage(List<Entry> durable, List<Entry> log, List<List<Entry>> unsynced,
      HardState hardState) {
    this.durable = new ArrayList<>(durable);
    this.log = new ArrayList<>(log);
    this.unsynced = new ArrayList<>(unsynced);
    this.hardState = hardState;
  }

  @Override
  public Recovered load() {
    checkOpen();
    if (loaded) throw new IllegalStateException("load() was already called");
    loaded = true;
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
  }

  @Override
  public void sync() {
    checkLoaded();
    durable.clear();
    durable.addAll(log);
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
   * The storage a restart after a crash (power loss) finds: the durable log plus a random prefix
   * of the unsynced appends (see the class comment), and the last saved hard state. This
   * instance is left as it was; the new one needs {@link #load()}.
   */
  public MemoryRaftStorage crash(SplittableRandom random) {
    List<Entry> survived = new ArrayList<>(durable);
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
    return new MemoryRaftStorage(survived, survived, List.of(), hardState);
  }

  /** The storage a restart after a clean exit (or a kill) finds: everything, still unsynced. */
  public MemoryRaftStorage reopen() {
    return new MemoryRaftStorage(durable, log, unsynced, hardState);
  }

  /** Every entry appended so far, synced or not. */
  public List<Entry> entries() {
    return List.copyOf(log);
  }

  /** The entries a crash cannot lose: the log as of the last sync. */
  public List<Entry> syncedEntries() {
    return List.copyOf(durable);
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
