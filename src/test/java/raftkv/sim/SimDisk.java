package raftkv.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.SnapshotMeta;
import raftkv.storage.MemoryRaftStorage;
import raftkv.storage.Recovered;

/**
 * A simulated node's disk, driven as production's {@code AsyncStorage} drives its storage: one
 * batch on the disk at a time; persists that arrive meanwhile make up the next batch; a batch
 * writes its appends (into the page cache), then saves the latest hard state, then fsyncs the
 * log only if it appended anything. So the simulated node fsyncs exactly when a real one does.
 *
 * <p>The appends reach the page cache when the batch starts; its hard state and fsync complete
 * after the disk's latency. A {@link #kill} in between leaves the appends readable but not
 * durable, and the hard state possibly renamed but not durable; a {@link #powerLoss} loses
 * whatever was not durable (see {@link MemoryRaftStorage}).
 */
final class SimDisk {

  private record Request(HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
      Runnable onDurable) {}

  private final EventQueue clock;
  private final SplittableRandom random;
  private final long latencyMaxMs;
  private final Runnable afterBatch;
  /** Runs a completion on the node's thread: at once, or when a frozen node wakes. */
  private final java.util.function.Consumer<Runnable> onNodeThread;
  private MemoryRaftStorage storage;
  private final ArrayDeque<Request> queued = new ArrayDeque<>();
  private List<Request> writing;
  private HardState savingHardState;
  /** Bumped by a kill or a power loss: completions scheduled before it are void. */
  private int life;

  SimDisk(EventQueue clock, SplittableRandom random, long latencyMaxMs, boolean trustRecovered,
      Runnable afterBatch, java.util.function.Consumer<Runnable> onNodeThread) {
    this.onNodeThread = onNodeThread;
    this.clock = clock;
    this.random = random;
    this.latencyMaxMs = latencyMaxMs;
    this.afterBatch = afterBatch;
    this.storage = new MemoryRaftStorage(trustRecovered);
  }

  Recovered load() {
    return storage.load();
  }

  MemoryRaftStorage storage() {
    return storage;
  }

  void persist(HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
      Runnable onDurable) {
    queued.add(new Request(hardState, snapshot, entries, onDurable));
    if (writing == null) writeQueued();
  }

  /** The process dies; the machine and its page cache live on. */
  void kill() {
    storage = storage.kill(savingHardState, random);
    forgetWrites();
  }

  /** The machine loses power: what was not durable is lost, or torn at the end. */
  void powerLoss() {
    storage = storage.powerLoss(random);
    forgetWrites();
  }

  private void forgetWrites() {
    life++;
    queued.clear();
    writing = null;
    savingHardState = null;
  }

  private void writeQueued() {
    List<Request> batch = new ArrayList<>(queued);
    queued.clear();
    writing = batch;
    boolean appended = false;
    for (Request r : batch) {
      if (r.hardState() != null) savingHardState = r.hardState();
      // as AsyncStorage: the log is reset to an installed snapshot before what follows it
      if (r.snapshot() != null) storage.resetLog(r.snapshot().index());
      if (!r.entries().isEmpty()) {
        storage.append(r.entries());
        appended = true;
      }
    }
    boolean sync = appended;
    int batchLife = life;
    clock.after(1 + random.nextLong(latencyMaxMs), () -> {
      if (batchLife != life) return;
      if (savingHardState != null) storage.saveHardState(savingHardState);
      if (sync) storage.sync();
      savingHardState = null;
      // the disk is done; the node hears of it when it runs (not while frozen)
      onNodeThread.accept(() -> {
        if (batchLife == life) finished(batch);
      });
    });
  }

  private void finished(List<Request> batch) {
    writing = null;
    if (!queued.isEmpty()) writeQueued();
    for (Request r : batch) r.onDurable().run();
    afterBatch.run();
  }
}
