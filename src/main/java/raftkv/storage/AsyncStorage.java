package raftkv.storage;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.util.QuietLog;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.SnapshotMeta;

/**
 * Group commit for a node's event loop: runs a blocking {@link RaftStorage} on a worker of its
 * own and folds every write that arrives while one is in progress into the next one.
 *
 * <p>{@link #persist} is called on the node's event loop and never blocks it. One batch is on
 * the worker at a time. Calls that arrive meanwhile queue up, and when the batch is done they all
 * become the next one: their appends in call order, then the latest hard state, then one
 * {@code sync()}. So under load the number of fsyncs stays near the disk's fsync rate while the
 * entries per fsync grow. Futures complete in call order, on the caller's event loop; a listener
 * runs on the context it was added from, so listeners added from different contexts of that loop
 * may run a turn apart ({@code NodeDriver} takes durability in log order whatever the order of
 * its callbacks).
 *
 * <p>The worker is a {@code WorkerExecutor} of size 1 named {@code "wal-" + nodeId}: executors
 * with the same name share one pool, so nodes in one JVM must use different ids. Its tasks are
 * submitted unordered, because ordered tasks from one context wait on every other ordered task
 * of that context (Vert.x 5), and a size-1 pool runs them in order anyway.
 *
 * <p>After a failed write every later {@code persist} fails: the disk's state is unknown and the
 * node must restart and recover.
 */
public final class AsyncStorage {

  private static final Logger LOG = LoggerFactory.getLogger(AsyncStorage.class);

  /**
   * Counters for benchmarks and metrics: how well writes were grouped, and what the disk did.
   *
   * @param bytes bytes of log records written
   * @param syncNanos time spent in the log's fsyncs, in all
   */
  public record Stats(long persists, long batches, long logSyncs, long hardStateSaves,
      long entries, long bytes, long syncNanos) {}

  /** Told of each fsync of the log, on the storage's worker thread. */
  public interface SyncObserver {
    void synced(long nanos, long entries, long bytes);
  }

  /** An fsync slower than this is logged: every write of the cluster waits for it. */
  static final long SLOW_SYNC_NANOS = 100_000_000L;

  /**
   * One call: a log reset to a snapshot (or null), then appends and a hard state (or null); or
   * a compaction ({@code compactTo > 0}).
   */
  private record Request(HardState hardState, SnapshotMeta resetTo, List<Entry> entries,
      long compactTo, Promise<Void> done) {}

  private final RaftStorage storage;
  private final WorkerExecutor worker;
  private final boolean groupCommit;
  private final ArrayDeque<Request> queued = new ArrayDeque<>();
  private boolean writing;
  /** True while writeQueued() hands a batch over: its end must not be handled inside it. */
  private boolean submitting;
  private Runnable afterSubmit = () -> { };
  private Throwable failure;
  private Promise<Void> closing;
  private Thread loop; // the event loop of the first persist; every later call must be on it
  private final AtomicLong persists = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong logSyncs = new AtomicLong();
  private final AtomicLong hardStateSaves = new AtomicLong();
  private final AtomicLong entries = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong syncNanos = new AtomicLong();
  private final String nodeId;
  private volatile SyncObserver syncObserver = (nanos, entries, bytes) -> { };
  /** Slow fsyncs, logged at most every 10 s; used on the worker thread only. */
  private final QuietLog slowSyncLog = new QuietLog(LOG, 10_000);

  public AsyncStorage(Vertx vertx, String nodeId, RaftStorage storage) {
    this(vertx, nodeId, storage, true);
  }

  /**
   * @param groupCommit false writes and syncs each {@link #persist} call on its own, one after
   *     another: only to measure what grouping is worth
   */
  public AsyncStorage(Vertx vertx, String nodeId, RaftStorage storage, boolean groupCommit) {
    this.storage = storage;
    this.nodeId = nodeId;
    this.worker = vertx.createSharedWorkerExecutor("wal-" + nodeId, 1);
    this.groupCommit = groupCommit;
  }

  /** Runs {@link RaftStorage#load()} on the worker. Call once, before {@link #persist}. */
  public Future<Recovered> load() {
    return worker.executeBlocking(storage::load, false);
  }

  /**
   * Makes the hard state (if not null) and the entries durable. Call on the node's event loop;
   * the future completes there, after every earlier call's future.
   */
  public Future<Void> persist(HardState hardStateOrNull, List<Entry> newEntries) {
    return persist(hardStateOrNull, null, newEntries);
  }

  /**
   * As {@link #persist(HardState, List)}, after discarding the whole log when {@code
   * snapshotOrNull} is given: a snapshot from the leader, durable already, replaces it.
   */
  public Future<Void> persist(HardState hardStateOrNull, SnapshotMeta snapshotOrNull,
      List<Entry> newEntries) {
    return enqueue(new Request(hardStateOrNull, snapshotOrNull, List.copyOf(newEntries), 0,
        Promise.promise()));
  }

  /**
   * Deletes log entries before {@code keepFrom} (whole segments), in order with the writes: a
   * durable snapshot covers them.
   */
  public Future<Void> compact(long keepFrom) {
    return enqueue(new Request(null, null, List.of(), keepFrom, Promise.promise()));
  }

  private Future<Void> enqueue(Request request) {
    checkOnLoop();
    if (closing != null) return Future.failedFuture(new IllegalStateException("storage closed"));
    if (failure != null) {
      return Future.failedFuture(new IOException("an earlier write failed; restart to recover",
          failure));
    }
    queued.add(request);
    persists.incrementAndGet();
    if (!writing) writeQueued();
    return request.done().future();
  }

  /** Finishes the writes already requested, then closes the storage and the worker. */
  public Future<Void> close() {
    checkOnLoop();
    if (closing == null) {
      closing = Promise.promise();
      if (!writing) closeNow();
    }
    return closing.future();
  }

  public Stats stats() {
    return new Stats(persists.get(), batches.get(), logSyncs.get(), hardStateSaves.get(),
        entries.get(), bytes.get(), syncNanos.get());
  }

  /** Tells {@code observer} of every fsync of the log from now on (for metrics). */
  public void onSync(SyncObserver observer) {
    this.syncObserver = observer;
  }

  /** Sends everything queued to the worker as one batch; runs on the event loop. */
  private void writeQueued() {
    List<Request> batch;
    if (groupCommit) {
      batch = new ArrayList<>(queued);
      queued.clear();
    } else {
      batch = List.of(queued.poll());
    }
    writing = true;
    // A batch the worker finishes before its listener is attached is told at once, inside
    // this call; within finished() of the batch before, that nested call would complete this
    // batch's futures before that one's, and both would see a close() requested in between
    // and close twice. So a batch finished that early is told on the next turn of the loop.
    Context context = Vertx.currentContext();
    submitting = true;
    Future<Void> written = worker.executeBlocking(() -> write(batch), false);
    afterSubmit.run();
    written.onComplete(result -> {
      if (submitting) {
        context.runOnContext(v -> finished(batch, result.cause()));
      } else {
        finished(batch, result.cause());
      }
    });
    submitting = false;
  }

  /** For tests: runs between handing a batch to the worker and listening for its end. */
  void afterSubmitForTests(Runnable hook) {
    afterSubmit = hook;
  }

  /**
   * The blocking part, on the worker: a log reset to the latest snapshot installed (the
   * requests before it wrote what it replaces), appends, the latest hard state, one fsync, then
   * compactions.
   */
  private Void write(List<Request> batch) throws IOException {
    HardState latest = null;
    long written = 0;
    long bytesBefore = storage.bytesAppended();
    int start = 0;
    for (int i = 0; i < batch.size(); i++) {
      if (batch.get(i).resetTo() != null) start = i;
    }
    if (batch.get(start).resetTo() != null) storage.resetLog(batch.get(start).resetTo().index());
    for (List<Entry> run : contiguousRuns(batch.subList(start, batch.size()))) {
      storage.append(run);
      written += run.size();
    }
    for (Request r : batch) {
      if (r.hardState() != null) latest = r.hardState();
    }
    if (latest != null) {
      storage.saveHardState(latest);
      hardStateSaves.incrementAndGet();
    }
    if (written > 0) {
      long started = System.nanoTime();
      storage.sync();
      long took = System.nanoTime() - started;
      long batchBytes = storage.bytesAppended() - bytesBefore;
      logSyncs.incrementAndGet();
      syncNanos.addAndGet(took);
      bytes.addAndGet(batchBytes);
      syncObserver.synced(took, written, batchBytes);
      if (took >= SLOW_SYNC_NANOS) {
        slowSyncLog.warn("slow-sync", "{}: an fsync of the log took {} ms ({} entries, {} bytes):"
            + " the disk is slow, and every write waits for it. Check the disk under the data"
            + " directory ('raftkv disk-bench')", nodeId, took / 1_000_000, written, batchBytes);
      }
    }
    for (Request r : batch) {
      if (r.compactTo() > 0) storage.compact(r.compactTo());
    }
    entries.addAndGet(written);
    return null;
  }

  /**
   * Back on the event loop: starts the next batch (so the worker is not idle while callbacks
   * run), then completes this batch's futures in call order.
   */
  private void finished(List<Request> batch, Throwable error) {
    batches.incrementAndGet();
    if (error != null && failure == null) {
      failure = error;
      LOG.error("write to {} failed; failing every later write", storage, error);
    }
    writing = false;
    if (failure == null && !queued.isEmpty()) writeQueued();
    boolean closeAfterwards = closing != null && !writing; // a close() requested earlier
    for (Request r : batch) {
      if (error == null) r.done().complete();
      else r.done().fail(error);
    }
    if (failure != null) failQueued(); // after this batch's own futures: call order
    if (closeAfterwards) closeNow();
  }

  private void checkOnLoop() {
    if (loop == null) {
      if (!Context.isOnEventLoopThread()) {
        throw new IllegalStateException("call AsyncStorage on the node's event loop");
      }
      loop = Thread.currentThread();
    } else if (Thread.currentThread() != loop) {
      throw new IllegalStateException("AsyncStorage called off its event loop: "
          + Thread.currentThread().getName() + " instead of " + loop.getName());
    }
  }

  private void failQueued() {
    while (!queued.isEmpty()) {
      queued.poll().done().fail(new IOException("an earlier write failed; restart to recover",
          failure));
    }
  }

  private void closeNow() {
    worker.<Void>executeBlocking(() -> {
      storage.close();
      return null;
    }, false).eventually(worker::close).onComplete(closing);
  }

  /**
   * The batch's entries as few append calls as possible: consecutive requests whose entries
   * continue one another are merged, so each becomes one write.
   */
  private static List<List<Entry>> contiguousRuns(List<Request> batch) {
    List<List<Entry>> runs = new ArrayList<>();
    List<Entry> run = new ArrayList<>();
    for (Request r : batch) {
      if (r.entries().isEmpty()) continue;
      boolean continues = !run.isEmpty()
          && r.entries().get(0).index() == run.get(run.size() - 1).index() + 1;
      if (!continues && !run.isEmpty()) {
        runs.add(run);
        run = new ArrayList<>();
      }
      run.addAll(r.entries());
    }
    if (!run.isEmpty()) runs.add(run);
    return runs;
  }
}
