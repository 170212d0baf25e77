package raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static raftkv.storage.Entries.range;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/** Group commit on a Vert.x event loop: coalescing, order, durability, failure. */
@ExtendWith(VertxExtension.class)
class AsyncStorageTest {

  static final int PERSISTS = 400;

  @TempDir
  Path dir;

  /** What the event loop saw while the persists completed. */
  static final class Observed {
    final List<Long> completedIndexes = new ArrayList<>();
    final List<Thread> completionThreads = new ArrayList<>();
    Thread loop;
    AsyncStorage.Stats stats;
  }

  @Test
  void concurrentPersistsShareFsyncsAndCompleteInOrderOnTheLoop(Vertx vertx,
      VertxTestContext tc) throws IOException {
    FileRaftStorage files = FileRaftStorage.open(dir, StorageOptions.defaults());
    Context context = vertx.getOrCreateContext();
    Observed seen = new Observed();
    Promise<Void> allWritten = Promise.promise();
    context.runOnContext(v -> {
      seen.loop = Thread.currentThread();
      AsyncStorage storage = new AsyncStorage(vertx, "n1", files);
      storage.load()
          .compose(recovered -> persistOnePerLoopTurn(context, storage, seen))
          .compose(done -> {
            seen.stats = storage.stats();
            return storage.close();
          })
          .onComplete(allWritten);
    });
    allWritten.future().onComplete(tc.succeeding(v -> tc.verify(() -> {
      assertThat(seen.completedIndexes).isEqualTo(range(1, PERSISTS, 1).stream()
          .map(Entry::index).toList());
      assertThat(seen.completionThreads).containsOnly(seen.loop);
      assertThat(seen.stats.persists()).isEqualTo(PERSISTS);
      assertThat(seen.stats.entries()).isEqualTo(PERSISTS);
      assertThat(seen.stats.logSyncs()).isLessThan(PERSISTS / 2); // coalesced
      assertThat(seen.stats.batches()).isEqualTo(seen.stats.logSyncs());
      try (FileRaftStorage reopened = FileRaftStorage.open(dir, StorageOptions.defaults())) {
        Recovered r = reopened.load();
        assertThat(r.entries()).isEqualTo(range(1, PERSISTS, 1));
        assertThat(r.hardState()).isEqualTo(new HardState(PERSISTS / 100, 1, PERSISTS - 1));
      }
      tc.completeNow();
    })));
  }

  /**
   * One persist per event-loop turn, as a busy node would issue them, so that many arrive while
   * each fsync runs. Completes when all of them have.
   */
  private static Future<Void> persistOnePerLoopTurn(Context context, AsyncStorage storage,
      Observed seen) {
    List<Future<Void>> all = new ArrayList<>();
    Promise<Void> issued = Promise.promise();
    // every persist from the loop's own context, as the node makes them: a listener added on
    // another context (the load's callback) may run a turn later than those added here
    context.runOnContext(v -> issue(1, context, storage, seen, all, issued));
    return issued.future().compose(v -> Future.all(all)).mapEmpty();
  }

  private static void issue(long index, Context context, AsyncStorage storage, Observed seen,
      List<Future<Void>> all, Promise<Void> issued) {
    HardState hardState = index % 100 == 0 ? new HardState(index / 100, 1, index - 1) : null;
    all.add(storage.persist(hardState, range(index, index, 1)).onSuccess(v -> {
      seen.completedIndexes.add(index);
      seen.completionThreads.add(Thread.currentThread());
    }));
    if (index == PERSISTS) {
      issued.complete();
    } else {
      context.runOnContext(v -> issue(index + 1, context, storage, seen, all, issued));
    }
  }

  @Test
  void withoutGroupCommitEveryPersistHasAnFsyncOfItsOwn(Vertx vertx, VertxTestContext tc) {
    MemoryRaftStorage memory = new MemoryRaftStorage();
    vertx.getOrCreateContext().runOnContext(v -> {
      AsyncStorage storage = new AsyncStorage(vertx, "n4", memory, false);
      storage.load().compose(r -> {
        List<Future<Void>> all = new ArrayList<>();
        for (int i = 1; i <= 20; i++) all.add(storage.persist(null, range(i, i, 1)));
        return Future.all(all);
      }).onComplete(tc.succeeding(x -> tc.verify(() -> {
        assertThat(storage.stats().logSyncs()).isEqualTo(20);
        assertThat(storage.stats().entries()).isEqualTo(20);
        assertThat(memory.powerLoss(new SplittableRandom(1)).load().entries()).hasSize(20);
        tc.completeNow();
      })));
    });
  }

  @Test
  void aHardStateAloneIsSavedWithoutALogSync(Vertx vertx, VertxTestContext tc) {
    MemoryRaftStorage memory = new MemoryRaftStorage();
    vertx.getOrCreateContext().runOnContext(v -> {
      AsyncStorage storage = new AsyncStorage(vertx, "n2", memory);
      storage.load()
          .compose(r -> storage.persist(new HardState(3, 2, 0), List.of()))
          .onComplete(tc.succeeding(x -> tc.verify(() -> {
            assertThat(storage.stats().hardStateSaves()).isEqualTo(1);
            assertThat(storage.stats().logSyncs()).isZero();
            assertThat(memory.powerLoss(new SplittableRandom(1)).load().hardState())
                .isEqualTo(new HardState(3, 2, 0));
            tc.completeNow();
          })));
    });
  }

  @Test
  void afterAFailedWriteEveryPersistFails(Vertx vertx, VertxTestContext tc) {
    ScriptedStorage failing = new ScriptedStorage();
    vertx.getOrCreateContext().runOnContext(v -> {
      AsyncStorage storage = new AsyncStorage(vertx, "n3", failing);
      storage.load()
          .compose(r -> storage.persist(null, range(1, 1, 1)))
          .compose(ok -> {
            failing.broken = true;
            Future<Void> first = storage.persist(null, range(2, 2, 1));
            Future<Void> queuedBehind = storage.persist(null, range(3, 3, 1));
            return Future.join(first, queuedBehind)
                .transform(ar -> Future.succeededFuture(List.of(first, queuedBehind)));
          })
          .onComplete(tc.succeeding(futures -> tc.verify(() -> {
            assertThat(futures).allMatch(Future::failed);
            assertThat(futures.get(0).cause()).hasMessageContaining("disk on fire");
            Future<Void> later = storage.persist(null, range(4, 4, 1));
            assertThat(later.failed()).isTrue();
            assertThat(later.cause()).hasMessageContaining("restart");
            tc.completeNow();
          })));
    });
  }

  @Test
  void closingFromTheLastCompletionClosesOnceAfterTheWrites(Vertx vertx, VertxTestContext tc) {
    ScriptedStorage scripted = new ScriptedStorage();
    vertx.getOrCreateContext().runOnContext(v -> {
      AsyncStorage storage = new AsyncStorage(vertx, "n5", scripted);
      Promise<Void> closed = Promise.promise();
      storage.load().onSuccess(r -> {
        storage.persist(null, range(1, 1, 1));
        storage.persist(null, range(2, 2, 1)).onSuccess(x -> storage.close().onComplete(closed));
      });
      closed.future()
          .compose(x -> vertx.timer(100)) // a second close would come right after the first
          .onComplete(tc.succeeding(x -> tc.verify(() -> {
            assertThat(scripted.closes).hasValue(1);
            assertThat(scripted.lastIndex()).isEqualTo(2);
            tc.completeNow();
          })));
    });
  }

  /**
   * A batch the worker finishes before the loop listens for its end (the loop was descheduled
   * right after handing it over) is told on a later turn: handled inside the end of the batch
   * before it, it completed its futures first and both batches closed the storage.
   */
  @Test
  void aBatchFinishedBeforeItsListenerIsToldInOrderAndClosesOnce(Vertx vertx,
      VertxTestContext tc) {
    ScriptedStorage scripted = new ScriptedStorage();
    List<Integer> completed = new ArrayList<>();
    vertx.getOrCreateContext().runOnContext(v -> {
      AsyncStorage storage = new AsyncStorage(vertx, "n7", scripted);
      Promise<Void> closed = Promise.promise();
      storage.load().onSuccess(r -> {
        // from now on the loop waits after each hand-over until the worker is surely done
        storage.afterSubmitForTests(() -> {
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        // the first batch is held on the disk until the second is queued behind it
        java.util.concurrent.CountDownLatch disk = new java.util.concurrent.CountDownLatch(1);
        scripted.holdNextSync = disk;
        storage.persist(null, range(1, 1, 1)).onSuccess(x -> completed.add(1));
        storage.persist(null, range(2, 2, 1)).onSuccess(x -> {
          completed.add(2);
          storage.close().onComplete(closed);
        });
        disk.countDown();
      });
      closed.future()
          .compose(x -> vertx.timer(100)) // a second close would come right after the first
          .onComplete(tc.succeeding(x -> tc.verify(() -> {
            assertThat(completed).containsExactly(1, 2);
            assertThat(scripted.closes).hasValue(1);
            assertThat(scripted.lastIndex()).isEqualTo(2);
            tc.completeNow();
          })));
    });
  }

  @Test
  void everyFsyncIsToldToTheObserverWithItsTimeEntriesAndBytes(Vertx vertx,
      VertxTestContext tc) throws IOException {
    FileRaftStorage files = FileRaftStorage.open(dir, StorageOptions.defaults());
    List<long[]> synced = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.getOrCreateContext().runOnContext(v -> {
      AsyncStorage storage = new AsyncStorage(vertx, "n6", files);
      storage.onSync((nanos, entries, bytes) -> synced.add(new long[] {nanos, entries, bytes}));
      storage.load()
          .compose(r -> storage.persist(null, range(1, 3, 1)))
          .compose(r -> {
            AsyncStorage.Stats stats = storage.stats();
            return storage.close().map(stats);
          })
          .onComplete(tc.succeeding(stats -> tc.verify(() -> {
            assertThat(synced).hasSize(1);
            assertThat(synced.get(0)[0]).isPositive();
            assertThat(synced.get(0)[1]).isEqualTo(3);
            assertThat(synced.get(0)[2]).isEqualTo(stats.bytes()).isPositive();
            assertThat(stats.syncNanos()).isEqualTo(synced.get(0)[0]);
            tc.completeNow();
          })));
    });
  }

  @Test
  void callsOffTheEventLoopAreRefused(Vertx vertx) {
    AsyncStorage storage = new AsyncStorage(vertx, "n4", new MemoryRaftStorage());
    assertThatThrownBy(() -> storage.persist(null, List.of()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("event loop");
  }

  /** A memory storage whose sync fails once {@code broken} is set, and that counts closes. */
  static final class ScriptedStorage implements RaftStorage {
    private final MemoryRaftStorage memory = new MemoryRaftStorage();
    volatile boolean broken;
    /** When set, the next sync waits until it is counted down: a write held on the disk. */
    volatile java.util.concurrent.CountDownLatch holdNextSync;
    final AtomicInteger closes = new AtomicInteger();

    @Override
    public Recovered load() {
      return memory.load();
    }

    @Override
    public void append(List<Entry> entries) {
      memory.append(entries);
    }

    @Override
    public void saveHardState(HardState state) {
      memory.saveHardState(state);
    }

    @Override
    public void sync() throws IOException {
      if (broken) throw new IOException("disk on fire");
      java.util.concurrent.CountDownLatch hold = holdNextSync;
      if (hold != null) {
        holdNextSync = null;
        try {
          hold.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      memory.sync();
    }

    @Override
    public void compact(long keepFrom) {
      memory.compact(keepFrom);
    }

    @Override
    public void resetLog(long lastIndex) {
      memory.resetLog(lastIndex);
    }

    @Override
    public long lastIndex() {
      return memory.lastIndex();
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      memory.close();
    }
  }
}
