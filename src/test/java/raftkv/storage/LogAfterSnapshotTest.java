package raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static raftkv.storage.Entries.range;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.raft.Entry;
import raftkv.raft.SnapshotMeta;

/**
 * Fitting the recovered log to the newest snapshot, on real files: the log is kept when it holds
 * the snapshot's last entry with the same term or starts right after it, reset when it diverges
 * or ends before it, and refused when entries between the two are nowhere.
 */
class LogAfterSnapshotTest {

  static final StorageOptions SMALL = StorageOptions.defaults().withSegmentSizeBytes(512);

  @TempDir
  Path dir;

  FileRaftStorage storage;

  @AfterEach
  void close() throws IOException {
    if (storage != null) storage.close();
  }

  /** Restarts the storage (after a sync) and returns what it recovered. */
  Recovered restart() throws IOException {
    if (storage != null) {
      storage.sync();
      storage.close();
    }
    storage = FileRaftStorage.open(dir, SMALL);
    return storage.load();
  }

  /** A log of entries 1..40: 1..20 in term 1, 21..40 in term 2; then restarted. */
  Recovered writeLog() throws IOException {
    restart();
    storage.append(range(1, 20, 1));
    storage.append(range(21, 40, 2));
    return restart();
  }

  static List<Entry> log1to40() {
    List<Entry> all = new ArrayList<>(range(1, 20, 1));
    all.addAll(range(21, 40, 2));
    return all;
  }

  List<Path> logFiles() throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      return all.filter(p -> p.getFileName().toString().startsWith("log-")).sorted().toList();
    }
  }

  /** The storage after the reconciliation still appends where it should and reads back. */
  void assertTheLogGoesOnAfter(long index, List<Entry> kept) throws IOException {
    assertThat(storage.lastIndex()).isEqualTo(index);
    storage.append(range(index + 1, index + 3, 9));
    List<Entry> expected = new ArrayList<>(kept);
    expected.addAll(range(index + 1, index + 3, 9));
    assertThat(restart().entries()).isEqualTo(expected);
  }

  @Test
  void aLogThatHoldsTheSnapshotsLastEntryWithTheSameTermIsKept() throws IOException {
    Recovered recovered = writeLog();
    List<Path> files = logFiles();
    for (SnapshotMeta snapshot : List.of(new SnapshotMeta(30, 2), new SnapshotMeta(20, 1),
        new SnapshotMeta(1, 1), new SnapshotMeta(40, 2), new SnapshotMeta(21, 2))) {
      assertThat(LogAfterSnapshot.reconcile(storage, recovered, snapshot, null)).as("%s", snapshot)
          .isEqualTo(log1to40());
      assertThat(storage.lastIndex()).isEqualTo(40);
      assertThat(logFiles()).isEqualTo(files);
    }
    assertTheLogGoesOnAfter(40, log1to40());
  }

  @Test
  void aLogWithNoSnapshotIsKept() throws IOException {
    Recovered recovered = writeLog();
    assertThat(LogAfterSnapshot.reconcile(storage, recovered, SnapshotMeta.NONE, null))
        .isEqualTo(log1to40());
    assertTheLogGoesOnAfter(40, log1to40());
  }

  @Test
  void aLogThatStartsRightAfterTheSnapshotIsKept() throws IOException {
    restart();
    storage.resetLog(100);
    storage.append(range(101, 130, 3));
    Recovered recovered = restart();
    assertThat(recovered.entries().get(0).index()).isEqualTo(101);

    List<Entry> kept = LogAfterSnapshot.reconcile(storage, recovered, new SnapshotMeta(100, 2),
        null);

    assertThat(kept).isEqualTo(range(101, 130, 3));
    assertTheLogGoesOnAfter(130, range(101, 130, 3));
  }

  @Test
  void aLogThatStartsRightAfterACompactionPointIsKept() throws IOException {
    writeLog();
    storage.compact(25);
    long first = storage.firstIndex();
    assertThat(first).isGreaterThan(1);
    Recovered recovered = restart();
    List<Entry> expected = log1to40().subList((int) first - 1, 40);
    SnapshotMeta snapshot = new SnapshotMeta(first - 1, first - 1 <= 20 ? 1 : 2);

    assertThat(LogAfterSnapshot.reconcile(storage, recovered, snapshot, null))
        .isEqualTo(expected);
    assertTheLogGoesOnAfter(40, expected);
  }

  @Test
  void aLogThatDivergesFromTheSnapshotIsResetToIt() throws IOException {
    Recovered recovered = writeLog();
    SnapshotMeta snapshot = new SnapshotMeta(30, 3); // the log has term 2 at 30

    assertThat(LogAfterSnapshot.reconcile(storage, recovered, snapshot, null)).isEmpty();

    assertThat(logFiles()).isEmpty();
    assertThat(storage.lastIndex()).isEqualTo(30);
    assertThatThrownBy(() -> storage.append(range(32, 32, 3)))
        .isInstanceOf(IllegalArgumentException.class);
    assertTheLogGoesOnAfter(30, List.of());
  }

  @Test
  void aLogThatDivergesAtItsLastEntryIsResetToo() throws IOException {
    Recovered recovered = writeLog();
    assertThat(LogAfterSnapshot.reconcile(storage, recovered, new SnapshotMeta(40, 1), null))
        .isEmpty();
    assertTheLogGoesOnAfter(40, List.of());
  }

  @Test
  void aLogThatEndsBeforeTheSnapshotIsResetToIt() throws IOException {
    Recovered recovered = writeLog();
    SnapshotMeta snapshot = new SnapshotMeta(41, 2); // one past the end

    assertThat(LogAfterSnapshot.reconcile(storage, recovered, snapshot, null)).isEmpty();

    assertThat(logFiles()).isEmpty();
    assertTheLogGoesOnAfter(41, List.of());
  }

  @Test
  void aLogThatEndsLongBeforeTheSnapshotIsResetToIt() throws IOException {
    Recovered recovered = writeLog();
    assertThat(LogAfterSnapshot.reconcile(storage, recovered, new SnapshotMeta(5000, 7), null))
        .isEmpty();
    assertTheLogGoesOnAfter(5000, List.of());
  }

  @Test
  void aLogThatStartsAfterTheSnapshotEndsIsRefusedWithAdviceAndLeftAlone() throws IOException {
    restart();
    storage.resetLog(100);
    storage.append(range(101, 130, 3));
    Recovered recovered = restart();
    List<Path> files = logFiles();

    assertThatThrownBy(() -> LogAfterSnapshot.reconcile(storage, recovered,
        new SnapshotMeta(90, 2), "snap-00000000000000000100.jsonl is damaged (checksum mismatch)"))
        .isInstanceOfSatisfying(CorruptLogException.class, e -> {
          assertThat(e.offset()).isEqualTo(CorruptLogException.WHOLE_FILE);
          assertThat(e.getMessage()).contains("the log starts at index 101",
              "the newest intact snapshot ends at 90",
              "(snap-00000000000000000100.jsonl is damaged (checksum mismatch))",
              "entries 91..100 are in neither",
              "copy the newest snap-*.jsonl from a healthy member");
        });
    assertThatThrownBy(() -> LogAfterSnapshot.reconcile(storage, recovered, SnapshotMeta.NONE,
        null)).isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("there is no intact snapshot")
        .hasMessageContaining("entries 1..100 are in neither")
        .hasMessageNotContaining("(");

    assertThat(logFiles()).isEqualTo(files);
    assertThat(storage.lastIndex()).isEqualTo(130);
    assertThat(restart().entries()).isEqualTo(range(101, 130, 3));
  }

  @Test
  void anEmptyLogIsResetToTheSnapshot() throws IOException {
    Recovered recovered = restart();
    assertThat(LogAfterSnapshot.reconcile(storage, recovered, new SnapshotMeta(70, 4), null))
        .isEmpty();
    assertTheLogGoesOnAfter(70, List.of());
  }

  @Test
  void anEmptyLogWithNoSnapshotStaysEmpty() throws IOException {
    Recovered recovered = restart();
    assertThat(LogAfterSnapshot.reconcile(storage, recovered, SnapshotMeta.NONE, null)).isEmpty();
    assertTheLogGoesOnAfter(0, List.of());
  }

  @Test
  void aResetThatNoAppendFollowedIsRestoredFromTheSnapshotAfterARestart() throws IOException {
    writeLog();
    storage.resetLog(100);
    Recovered recovered = restart(); // the files do not remember the reset point
    assertThat(storage.lastIndex()).isZero();

    assertThat(LogAfterSnapshot.reconcile(storage, recovered, new SnapshotMeta(100, 3), null))
        .isEmpty();

    assertTheLogGoesOnAfter(100, List.of());
  }

  @Test
  void anEmptySegmentLeftAfterTheSnapshotIsKept() throws IOException {
    restart();
    storage.resetLog(100);
    storage.append(range(101, 101, 3));
    storage.close();
    storage = null;
    Files.write(dir.resolve(WalSegment.fileName(101)), new byte[0]); // crash right after creating
    Recovered recovered = restart();
    assertThat(recovered.entries()).isEmpty();

    assertThat(LogAfterSnapshot.reconcile(storage, recovered, new SnapshotMeta(100, 3), null))
        .isEmpty();

    assertThat(logFiles()).containsExactly(dir.resolve(WalSegment.fileName(101)));
    assertTheLogGoesOnAfter(100, List.of());
  }
}
