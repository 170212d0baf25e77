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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import raftkv.raft.Entry;

/**
 * Log compaction and reset on real files, with tiny segments so that there are many: compaction
 * deletes whole segments before the kept index and never the active one, reset discards the log,
 * and recovery reads back what is left, a first segment after index 1 included.
 */
class WalCompactionTest {

  static final StorageOptions TINY = StorageOptions.defaults().withSegmentSizeBytes(256);
  static final int LAST = 120;

  @TempDir
  Path dir;

  FileRaftStorage storage;

  @AfterEach
  void close() throws IOException {
    if (storage != null) storage.close();
  }

  FileRaftStorage open() throws IOException {
    if (storage != null) storage.close();
    storage = FileRaftStorage.open(dir, TINY);
    return storage;
  }

  Recovered reopen() throws IOException {
    storage.sync();
    return open().load();
  }

  /** Entries 1..LAST in batches of 3, synced, in many segments. */
  void writeLog() throws IOException {
    open().load();
    for (long i = 1; i <= LAST; i += 3) storage.append(range(i, i + 2, 1));
    storage.sync();
  }

  /** The first index of each segment file, in order. */
  List<Long> segmentStarts() throws IOException {
    List<Long> starts = new ArrayList<>();
    try (Stream<Path> all = Files.list(dir)) {
      for (Path p : all.sorted().toList()) {
        WalSegment.firstIndexOf(p.getFileName().toString()).ifPresent(starts::add);
      }
    }
    return starts;
  }

  @Test
  void theTestLogHasManySegments() throws IOException {
    writeLog();
    List<Long> starts = segmentStarts();
    assertThat(starts).hasSizeGreaterThan(8).startsWith(1L);
    assertThat(storage.firstIndex()).isEqualTo(1);
    assertThat(storage.lastIndex()).isEqualTo(LAST);
  }

  /**
   * For every keepFrom: exactly the segments whose last entry lies before it go; the one that
   * holds it (or, past the log, the active one) stays, and so does everything after.
   */
  @Test
  void compactionDeletesExactlyTheWholeSegmentsBeforeKeepFrom() throws IOException {
    writeLog();
    List<Long> starts = segmentStarts();
    for (long keepFrom = 1; keepFrom <= LAST + 2; keepFrom++) {
      List<Long> before = segmentStarts();
      storage.compact(keepFrom);
      List<Long> after = segmentStarts();
      long holder = starts.get(0);
      for (long s : starts) {
        if (s <= keepFrom) holder = s;
      }
      long expectedFirst = Math.max(before.get(0), holder);
      assertThat(after).as("keepFrom %d", keepFrom).isEqualTo(
          starts.stream().filter(s -> s >= expectedFirst).toList());
      assertThat(storage.firstIndex()).as("keepFrom %d", keepFrom).isEqualTo(expectedFirst);
      assertThat(storage.firstIndex()).isLessThanOrEqualTo(keepFrom);
      assertThat(storage.lastIndex()).isEqualTo(LAST);
    }
    assertThat(segmentStarts()).as("the active segment always stays")
        .containsExactly(starts.get(starts.size() - 1));
  }

  @ParameterizedTest(name = "keepFrom = start of segment {0}")
  @ValueSource(ints = {1, 2, 5})
  void keepFromAtASegmentsFirstIndexKeepsThatSegmentAndDropsTheOneBefore(int segment)
      throws IOException {
    writeLog();
    List<Long> starts = segmentStarts();
    long keepFrom = starts.get(segment);
    storage.compact(keepFrom - 1);
    assertThat(segmentStarts()).as("its last entry is still wanted")
        .isEqualTo(starts.subList(segment - 1, starts.size()));
    storage.compact(keepFrom);
    assertThat(segmentStarts()).isEqualTo(starts.subList(segment, starts.size()));
    assertThat(storage.firstIndex()).isEqualTo(keepFrom);
  }

  @Test
  void compactingPastTheEndKeepsTheActiveSegmentAndTheLogGoesOn() throws IOException {
    writeLog();
    List<Long> starts = segmentStarts();
    long active = starts.get(starts.size() - 1);
    storage.compact(Long.MAX_VALUE);
    assertThat(segmentStarts()).containsExactly(active);
    assertThat(storage.firstIndex()).isEqualTo(active);
    assertThat(storage.lastIndex()).isEqualTo(LAST);

    storage.append(range(LAST + 1, LAST + 5, 2));
    List<Entry> expected = new ArrayList<>(range(active, LAST, 1));
    expected.addAll(range(LAST + 1, LAST + 5, 2));
    assertThat(reopen().entries()).isEqualTo(expected);
  }

  @Test
  void aCompactionRollsTheActiveSegmentSoTheNextOneCanDeleteIt() throws IOException {
    storage = FileRaftStorage.open(dir, StorageOptions.defaults()); // 64 MiB: never full here
    storage.load();
    storage.append(range(1, 30, 1));
    storage.compact(10);
    assertThat(segmentStarts()).as("the active segment stays").containsExactly(1L);
    storage.append(range(31, 60, 1));
    assertThat(segmentStarts()).as("but the next append starts a new one").containsExactly(1L, 31L);
    storage.compact(45);
    assertThat(segmentStarts()).as("which lets the next compaction delete the old one")
        .containsExactly(31L);
    assertThat(reopen().entries()).first().extracting(Entry::index).isEqualTo(31L);
  }

  @Test
  void compactingBeforeTheFirstSegmentEndsDeletesNothing() throws IOException {
    writeLog();
    List<Long> starts = segmentStarts();
    storage.compact(0);
    storage.compact(1);
    storage.compact(starts.get(1) - 1);
    assertThat(segmentStarts()).isEqualTo(starts);
    assertThat(reopen().entries()).isEqualTo(range(1, LAST, 1));
  }

  @Test
  void recoveryAfterCompactionReturnsEntriesFromTheFirstKeptSegment() throws IOException {
    writeLog();
    storage.compact(50);
    long first = storage.firstIndex();
    assertThat(first).isGreaterThan(1).isLessThanOrEqualTo(50);
    assertThat(segmentStarts().get(0)).isEqualTo(first);

    Recovered r = reopen();

    assertThat(r.entries()).isEqualTo(range(first, LAST, 1));
    assertThat(r.warnings()).isEmpty();
    assertThat(storage.firstIndex()).isEqualTo(first);
    assertThat(storage.lastIndex()).isEqualTo(LAST);
    // and the compacted log goes on: appends, a truncation inside it, more compaction
    storage.append(range(LAST + 1, LAST + 30, 2));
    storage.append(range(LAST - 10, LAST - 8, 3));
    List<Entry> expected = Entries.applyAppend(range(1, LAST + 30, 1).stream()
        .map(e -> e.index() > LAST ? Entries.entry(e.index(), 2) : e).toList(),
        range(LAST - 10, LAST - 8, 3));
    assertThat(reopen().entries()).isEqualTo(expected.subList((int) first - 1, expected.size()));
    storage.compact(LAST - 20);
    long later = storage.firstIndex();
    assertThat(later).isGreaterThan(first);
    assertThat(reopen().entries()).isEqualTo(expected.subList((int) later - 1, expected.size()));
  }

  @Test
  void compactionThatACrashInterruptedLeavesALogThatStillReadsBack() throws IOException {
    writeLog();
    List<Long> starts = segmentStarts();
    storage.close();
    storage = null;
    // compaction deletes oldest first: a crash leaves the newer segments, contiguous
    Files.delete(dir.resolve(WalSegment.fileName(starts.get(0))));
    Files.delete(dir.resolve(WalSegment.fileName(starts.get(1))));
    Recovered r = open().load();
    assertThat(r.entries()).isEqualTo(range(starts.get(2), LAST, 1));
    assertThat(r.warnings()).isEmpty();
  }

  @Test
  void aGapAfterACompactedStartStillStopsRecovery() throws IOException {
    writeLog();
    List<Long> starts = segmentStarts();
    storage.compact(starts.get(2));
    storage.close();
    storage = null;
    Path missing = dir.resolve(WalSegment.fileName(starts.get(4)));
    Files.delete(missing);
    Path next = dir.resolve(WalSegment.fileName(starts.get(5)));
    assertThatThrownBy(() -> open().load()).isInstanceOfSatisfying(CorruptLogException.class,
        e -> {
          assertThat(e.file()).isEqualTo(next);
          assertThat(e.getMessage()).contains("entries " + starts.get(4) + ".."
              + (starts.get(5) - 1) + " are missing");
        });
  }

  @Test
  void aFirstSegmentWhoseFirstRecordDisagreesWithItsNameStopsRecovery() throws IOException {
    writeLog();
    List<Long> starts = segmentStarts();
    storage.close();
    storage = null;
    Files.delete(dir.resolve(WalSegment.fileName(starts.get(0))));
    Path second = dir.resolve(WalSegment.fileName(starts.get(1)));
    Files.move(second, dir.resolve(WalSegment.fileName(starts.get(1) - 1)));
    assertThatThrownBy(() -> open().load()).isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("record has index " + starts.get(1) + " where "
            + (starts.get(1) - 1) + " was expected");
  }

  @Test
  void resetDiscardsEveryLogFileAndTheNextAppendStartsAfterTheSnapshot() throws IOException {
    writeLog();
    storage.resetLog(500);
    assertThat(segmentStarts()).isEmpty();
    assertThat(storage.lastIndex()).isEqualTo(500);
    assertThat(storage.firstIndex()).isEqualTo(501);
    assertThatThrownBy(() -> storage.append(range(502, 503, 4)))
        .isInstanceOf(IllegalArgumentException.class);

    for (long i = 501; i <= 530; i += 3) storage.append(range(i, i + 2, 4));
    assertThat(segmentStarts()).startsWith(501L).hasSizeGreaterThan(1);

    Recovered r = reopen();
    assertThat(r.entries()).isEqualTo(range(501, 530, 4));
    assertThat(r.warnings()).isEmpty();
    assertThat(storage.firstIndex()).isEqualTo(501);
    assertThat(storage.lastIndex()).isEqualTo(530);
  }

  @Test
  void resetBelowTheLastIndexReplacesTheOldEntries() throws IOException {
    writeLog();
    storage.resetLog(40);
    assertThat(storage.lastIndex()).isEqualTo(40);
    storage.append(range(41, 45, 7));
    Recovered r = reopen();
    assertThat(r.entries()).isEqualTo(range(41, 45, 7));
    storage.append(range(46, 47, 7));
    assertThat(reopen().entries()).isEqualTo(range(41, 47, 7));
  }

  @Test
  void aResetLogCanBeCompactedAndResetAgain() throws IOException {
    writeLog();
    storage.resetLog(1000);
    for (long i = 1001; i <= 1060; i += 3) storage.append(range(i, i + 2, 5)); // 1001..1060
    storage.sync();
    storage.compact(1030);
    long first = storage.firstIndex();
    assertThat(first).isGreaterThan(1001).isLessThanOrEqualTo(1030);
    assertThat(reopen().entries()).isEqualTo(range(first, 1060, 5));
    storage.resetLog(2000);
    storage.append(range(2001, 2001, 6));
    assertThat(reopen().entries()).isEqualTo(range(2001, 2001, 6));
  }

  @Test
  void aResetWithNoAppendAfterItIsNotRememberedByTheFiles() throws IOException {
    writeLog();
    storage.resetLog(500);
    Recovered r = reopen();
    // no segment holds where the log starts: LogAfterSnapshot resets it again from the snapshot
    assertThat(r.entries()).isEmpty();
    assertThat(storage.lastIndex()).isZero();
  }

  @Test
  void aSegmentCreatedAfterAResetButNeverWrittenReadsBackAsAnEmptyLogAfterTheSnapshot()
      throws IOException {
    writeLog();
    storage.resetLog(500);
    storage.append(range(501, 503, 4));
    storage.close();
    storage = null;
    Path created = dir.resolve(WalSegment.fileName(501));
    Files.write(created, new byte[0]); // a crash right after creating it

    Recovered r = open().load();

    assertThat(r.entries()).isEmpty();
    assertThat(r.warnings()).isEmpty();
    assertThat(storage.lastIndex()).isEqualTo(500);
    assertThat(storage.firstIndex()).isEqualTo(501);
    storage.append(range(501, 502, 4));
    assertThat(reopen().entries()).isEqualTo(range(501, 502, 4));
  }

  @Test
  void compactionAndResetBeforeLoadAreRefused() throws IOException {
    open();
    assertThatThrownBy(() -> storage.compact(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> storage.resetLog(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> storage.firstIndex()).isInstanceOf(IllegalStateException.class);
  }
}
