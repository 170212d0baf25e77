package raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/**
 * Any sequence of appends (truncating anywhere), hard state saves, syncs and restarts leaves the
 * same log and hard state as a plain list would. Segments are 512 bytes, so rolling and
 * truncation across segments happen all the time.
 */
class StorageProperties {

  /** One step of a run. */
  sealed interface Op permits Append, SaveHardState, Sync, Restart {}

  /** Appends at {@code back} entries before the end (0: at the end), truncating the rest. */
  record Append(int back, long term, List<String> commands) implements Op {}

  record SaveHardState(long term, int votedFor, long commit) implements Op {}

  record Sync() implements Op {}

  record Restart() implements Op {}

  /** Opens, restarts and finally cleans up one implementation. */
  interface Subject extends AutoCloseable {
    RaftStorage open() throws IOException;

    RaftStorage restart(RaftStorage old) throws IOException;

    @Override
    void close() throws IOException;
  }

  @Property(tries = 250)
  void fileStorageBehavesLikeAList(@ForAll("runs") List<Op> ops) throws IOException {
    Path dir = Files.createTempDirectory("storage-props");
    StorageOptions options = StorageOptions.defaults().withSegmentSizeBytes(512);
    try (Subject files = new Subject() {
      @Override
      public RaftStorage open() throws IOException {
        return FileRaftStorage.open(dir, options);
      }

      @Override
      public RaftStorage restart(RaftStorage old) throws IOException {
        old.close();
        return open();
      }

      @Override
      public void close() throws IOException {
        deleteRecursively(dir);
      }
    }) {
      check(files, ops);
    }
  }

  @Property(tries = 300)
  void memoryStorageBehavesLikeAList(@ForAll("runs") List<Op> ops) throws IOException {
    try (Subject memory = new Subject() {
      @Override
      public RaftStorage open() {
        return new MemoryRaftStorage();
      }

      @Override
      public RaftStorage restart(RaftStorage old) {
        return ((MemoryRaftStorage) old).kill();
      }

      @Override
      public void close() {}
    }) {
      check(memory, ops);
    }
  }

  private static void check(Subject subject, List<Op> ops) throws IOException {
    List<Entry> model = new ArrayList<>();
    HardState modelState = HardState.EMPTY;
    RaftStorage storage = subject.open();
    storage.load();
    try {
      for (Op op : ops) {
        if (op instanceof Append a) {
          List<Entry> batch = batch(a, model.size());
          storage.append(batch);
          model = Entries.applyAppend(model, batch);
          assertThat(storage.lastIndex()).isEqualTo(model.size());
        } else if (op instanceof SaveHardState h) {
          modelState = new HardState(h.term(), h.votedFor(), h.commit());
          storage.saveHardState(modelState);
        } else if (op instanceof Sync) {
          storage.sync();
        } else if (op instanceof Restart) {
          storage = subject.restart(storage);
          expectRecovered(storage.load(), model, modelState);
        }
      }
      storage = subject.restart(storage);
      expectRecovered(storage.load(), model, modelState);
    } finally {
      storage.close();
    }
  }

  private static void expectRecovered(Recovered r, List<Entry> model, HardState modelState) {
    assertThat(r.entries()).isEqualTo(model);
    long commit = Math.min(modelState.commit(), model.size());
    assertThat(r.hardState())
        .isEqualTo(new HardState(modelState.term(), modelState.votedFor(), commit));
  }

  private static List<Entry> batch(Append a, long lastIndex) {
    long first = Math.max(1, lastIndex + 1 - a.back());
    List<Entry> batch = new ArrayList<>();
    for (int i = 0; i < a.commands().size(); i++) {
      batch.add(new Entry(first + i, a.term(), a.commands().get(i)));
    }
    return batch;
  }

  @Provide
  Arbitrary<List<Op>> runs() {
    Arbitrary<String> command = Arbitraries.strings()
        .withChars("abcxyz 019{}\":,\\\n\t\u0000é€中")
        .withChars('\uD83D') // with the next char: an emoji's surrogate pair, or a lone one
        .withChars('\uDE00')
        .ofMaxLength(60);
    Arbitrary<Integer> back = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just(0)),
        Tuple.of(1, Arbitraries.integers().between(1, 40)));
    Arbitrary<Op> append = Combinators.combine(back, Arbitraries.longs().between(1, 5),
        command.list().ofMinSize(1).ofMaxSize(8)).as(Append::new);
    Arbitrary<Op> saveHardState = Combinators.combine(Arbitraries.longs().between(0, 9),
        Arbitraries.integers().between(0, 5), Arbitraries.longs().between(0, 60))
        .as(SaveHardState::new);
    Arbitrary<Op> op = Arbitraries.frequencyOf(
        Tuple.of(8, append),
        Tuple.of(1, saveHardState),
        Tuple.of(2, Arbitraries.just(new Sync())),
        Tuple.of(1, Arbitraries.just(new Restart())));
    return op.list().ofMaxSize(40);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
