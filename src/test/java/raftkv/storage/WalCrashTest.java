package raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static raftkv.storage.Entries.range;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.raft.Entry;
import raftkv.raft.SnapshotMeta;
import raftkv.raft.HardState;

/**
 * Recovery from what crashes and disks leave behind, on real files: torn writes are cut, damage
 * anywhere else stops the node with a message that names the file and offset, and repair
 * truncates there. Every test also checks that no synced entry disappears without a word.
 */
class WalCrashTest {

  static final StorageOptions OPTIONS = StorageOptions.defaults().withSegmentSizeBytes(512);
  static final int ENTRIES = 30;

  @TempDir
  Path dir;

  /** Entries 1..30 in batches of 3, synced, in several 512-byte segments. */
  List<Entry> writeSyncedLog() throws IOException {
    try (FileRaftStorage s = FileRaftStorage.open(dir, OPTIONS)) {
      s.load();
      for (long i = 1; i <= ENTRIES; i += 3) s.append(range(i, i + 2, 1 + i / 10));
      s.saveHardState(new HardState(4, 1, 20));
      s.sync();
    }
    return logOf(OPTIONS).entries();
  }

  Recovered logOf(StorageOptions options) throws IOException {
    try (FileRaftStorage s = FileRaftStorage.open(dir, options)) {
      return s.load();
    }
  }

  List<Path> segments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
    }
  }

  Path lastSegment() throws IOException {
    List<Path> all = segments();
    return all.get(all.size() - 1);
  }

  /** The byte offset at which line {@code n} (0-based) of a file starts. */
  static int lineStart(byte[] bytes, int n) {
    int pos = 0;
    for (int line = 0; line < n; line++) {
      while (bytes[pos] != '\n') pos++;
      pos++;
    }
    return pos;
  }

  static int lineCount(byte[] bytes) {
    int lines = 0;
    for (byte b : bytes) if (b == '\n') lines++;
    return lines;
  }

  @Test
  void aTornLastRecordIsCutAtEveryByteOffsetAndNothingElseIsLost() throws IOException {
    List<Entry> synced = writeSyncedLog();
    Path last = lastSegment();
    byte[] original = Files.readAllBytes(last);
    int lastRecordStart = lineStart(original, lineCount(original) - 1);
    for (int cut = lastRecordStart; cut <= original.length; cut++) {
      Files.write(last, Arrays.copyOf(original, cut));
      Recovered r = logOf(OPTIONS);
      if (cut == original.length) {
        assertThat(r.entries()).isEqualTo(synced);
        assertThat(r.warnings()).isEmpty();
      } else if (cut == lastRecordStart) {
        assertThat(r.entries()).isEqualTo(synced.subList(0, ENTRIES - 1)); // a clean line end
        assertThat(r.warnings()).isEmpty();
      } else {
        assertThat(r.entries()).as("cut at %d", cut).isEqualTo(synced.subList(0, ENTRIES - 1));
        assertThat(r.warnings()).as("cut at %d", cut).anyMatch(w ->
            w.contains(last.getFileName().toString()) && w.contains("torn last record")
                && w.contains("offset " + lastRecordStart));
        assertThat(Files.size(last)).isEqualTo(lastRecordStart); // cut off on disk too
      }
    }
  }

  @Test
  void aTornWriteAnywhereInTheLastSegmentKeepsEveryCompleteRecord() throws IOException {
    List<Entry> synced = writeSyncedLog();
    Path last = lastSegment();
    byte[] original = Files.readAllBytes(last);
    long firstInLast = synced.size() - lineCount(original) + 1;
    for (int cut = 0; cut <= original.length; cut++) {
      Files.write(last, Arrays.copyOf(original, cut));
      int complete = lineCount(Arrays.copyOf(original, cut));
      Recovered r = logOf(OPTIONS);
      assertThat(r.entries()).as("cut at %d", cut)
          .isEqualTo(synced.subList(0, (int) (firstInLast - 1 + complete)));
      // and the log goes on after the cut
      try (FileRaftStorage s = FileRaftStorage.open(dir, OPTIONS)) {
        long next = s.load().lastIndex() + 1;
        s.append(List.of(Entries.entry(next, 9)));
        s.sync();
      }
      assertThat(logOf(OPTIONS).lastIndex()).isEqualTo(firstInLast + complete);
      Files.write(last, original);
    }
  }

  @Test
  void aFlippedByteInAnEarlierRecordStopsRecoveryNamingFileAndOffset() throws IOException {
    writeSyncedLog();
    Path first = segments().get(0);
    byte[] original = Files.readAllBytes(first);
    int recordStart = lineStart(original, 2); // entry 3
    int recordEnd = lineStart(original, 3);
    for (int at = recordStart; at < recordEnd; at++) {
      byte[] damaged = original.clone();
      damaged[at] ^= 0x01;
      Files.write(first, damaged);
      int flipped = at;
      assertThatThrownBy(() -> logOf(OPTIONS))
          .as("byte %d flipped", at)
          .isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.file()).isEqualTo(first);
            assertThat(e.offset()).as("byte %d flipped", flipped).isEqualTo(recordStart);
            // a damaged newline merges two lines, and the count is of lines
            int dropped = flipped == recordEnd - 1 ? ENTRIES - 3 : ENTRIES - 2;
            assertThat(e.getMessage()).contains(first.toString(), "offset " + recordStart,
                "--repair", dropped + " records would be dropped");
          });
    }
    Files.write(first, original);
    assertThat(logOf(OPTIONS).entries()).hasSize(ENTRIES); // the check had changed nothing
  }

  @Test
  void repairTruncatesAtTheDamagedRecordAndReportsWhatWasDropped() throws IOException {
    List<Entry> synced = writeSyncedLog();
    Path first = segments().get(0);
    byte[] bytes = Files.readAllBytes(first);
    int recordStart = lineStart(bytes, 2);
    bytes[recordStart + 20] ^= 0x04;
    Files.write(first, bytes);

    Recovered r = logOf(OPTIONS.withRepair(true));
    assertThat(r.entries()).isEqualTo(synced.subList(0, 2));
    assertThat(r.warnings()).anyMatch(w -> w.contains("repair") && w.contains(first.toString())
        && w.contains("offset " + recordStart) && w.contains("dropped " + (ENTRIES - 2)));
    assertThat(segments()).containsExactly(first);
    assertThat(r.hardState().commit()).isEqualTo(2); // the commit hint no longer fits: clamped

    Recovered again = logOf(OPTIONS); // repaired for good: no repair flag needed any more
    assertThat(again.entries()).isEqualTo(synced.subList(0, 2));
    try (FileRaftStorage s = FileRaftStorage.open(dir, OPTIONS)) {
      s.load();
      s.append(range(3, 5, 5));
      s.sync();
    }
    assertThat(logOf(OPTIONS).lastIndex()).isEqualTo(5);
  }

  @Test
  void damageInTheLastSegmentBeforeItsLastRecordIsNotATornWrite() throws IOException {
    writeSyncedLog();
    Path last = lastSegment();
    byte[] bytes = Files.readAllBytes(last);
    int secondToLast = lineStart(bytes, lineCount(bytes) - 2);
    bytes[secondToLast + 15] ^= 0x01;
    Files.write(last, bytes);
    assertThatThrownBy(() -> logOf(OPTIONS)).isInstanceOfSatisfying(CorruptLogException.class,
        e -> assertThat(e.offset()).isEqualTo(secondToLast));
  }

  @Test
  void aValidRecordWithTheWrongIndexAtTheEndIsDamageNotATornWrite() throws IOException {
    writeSyncedLog();
    Path last = lastSegment();
    byte[] bytes = Files.readAllBytes(last);
    int lastStart = lineStart(bytes, lineCount(bytes) - 1);
    Files.write(last, Arrays.copyOfRange(bytes, lastStart, bytes.length),
        StandardOpenOption.APPEND); // the last line twice
    assertThatThrownBy(() -> logOf(OPTIONS)).isInstanceOfSatisfying(CorruptLogException.class,
        e -> assertThat(e.getMessage()).contains("index " + ENTRIES + " where " + (ENTRIES + 1)));
  }

  @Test
  void aLeftoverHardStateTempFileIsIgnoredAndRemoved() throws IOException {
    writeSyncedLog();
    Path temp = dir.resolve("hardstate.json.tmp");
    Files.writeString(temp, "{\"term\":9,\"votedFor\":3,\"com"); // a crash mid-write
    Recovered r = logOf(OPTIONS);
    assertThat(r.hardState()).isEqualTo(new HardState(4, 1, 20));
    assertThat(r.warnings()).anyMatch(w -> w.contains("hardstate.json.tmp"));
    assertThat(Files.exists(temp)).isFalse();
    assertThat(r.entries()).hasSize(ENTRIES);
  }

  @Test
  void aCompleteButUnrenamedTempFileStillLosesToTheOldHardState() throws IOException {
    writeSyncedLog();
    Files.copy(dir.resolve("hardstate.json"), dir.resolve("other"));
    try (FileRaftStorage s = FileRaftStorage.open(dir, OPTIONS)) {
      s.load();
      s.saveHardState(new HardState(9, 3, 1));
    }
    // crash after the temp file was synced, before the rename
    Files.move(dir.resolve("hardstate.json"), dir.resolve("hardstate.json.tmp"));
    Files.move(dir.resolve("other"), dir.resolve("hardstate.json"));
    assertThat(logOf(OPTIONS).hardState()).isEqualTo(new HardState(4, 1, 20));
  }

  @Test
  void aDamagedHardStateFileIsAnErrorNamingIt() throws IOException {
    writeSyncedLog();
    Path file = dir.resolve("hardstate.json");
    String good = Files.readString(file);
    for (String bad : List.of("", "{", good.replace("\"term\":4", "\"term\":5"),
        good.replaceAll(",\"crc\":\"[0-9a-f]+\"", ""), "[1,2,3]", good + "x")) {
      Files.writeString(file, bad);
      assertThatThrownBy(() -> logOf(OPTIONS)).as(bad)
          .isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.file()).isEqualTo(file);
            assertThat(e.getMessage()).contains("hardstate.json", "vote");
          });
    }
  }

  @Test
  void anEmptySegmentFileAtTheEndIsFine() throws IOException {
    List<Entry> synced = writeSyncedLog();
    Path empty = dir.resolve(WalSegment.fileName(ENTRIES + 1));
    Files.createFile(empty); // a crash right after creating it
    Recovered r = logOf(OPTIONS);
    assertThat(r.entries()).isEqualTo(synced);
    assertThat(r.warnings()).isEmpty();
    try (FileRaftStorage s = FileRaftStorage.open(dir, OPTIONS)) {
      s.load();
      s.append(range(ENTRIES + 1, ENTRIES + 2, 7));
      s.sync();
    }
    assertThat(Files.size(empty)).isPositive();
    assertThat(logOf(OPTIONS).lastIndex()).isEqualTo(ENTRIES + 2);
  }

  @Test
  void anEmptyFirstSegmentIsAnEmptyLog() throws IOException {
    Files.createFile(dir.resolve(WalSegment.fileName(1)));
    assertThat(logOf(OPTIONS).entries()).isEmpty();
  }

  @Test
  void aSegmentFullOfGarbageStopsRecovery() throws IOException {
    writeSyncedLog();
    Path second = segments().get(1);
    byte[] garbage = new byte[(int) Files.size(second)];
    new Random(1).nextBytes(garbage);
    garbage[garbage.length / 2] = '\n';
    Files.write(second, garbage);
    assertThatThrownBy(() -> logOf(OPTIONS)).isInstanceOfSatisfying(CorruptLogException.class,
        e -> {
          assertThat(e.file()).isEqualTo(second);
          assertThat(e.offset()).isZero();
        });
    Recovered repaired = logOf(OPTIONS.withRepair(true));
    long firstOfSecond = Long.parseLong(second.getFileName().toString().substring(4, 24));
    assertThat(repaired.lastIndex()).isEqualTo(firstOfSecond - 1);
    assertThat(segments()).hasSize(1); // the garbage and everything after it are gone
  }

  @Test
  void aMissingSegmentIsAGapThatStopsRecovery() throws IOException {
    writeSyncedLog();
    List<Path> all = segments();
    Files.delete(all.get(1));
    assertThatThrownBy(() -> logOf(OPTIONS)).isInstanceOfSatisfying(CorruptLogException.class,
        e -> {
          assertThat(e.file()).isEqualTo(all.get(2));
          assertThat(e.getMessage()).contains("are missing", "--repair");
        });
  }

  @Test
  void aSegmentWhoseNameDoesNotMatchItsFirstRecordStopsRecovery() throws IOException {
    writeSyncedLog();
    Path second = segments().get(1);
    long named = Long.parseLong(second.getFileName().toString().substring(4, 24));
    Files.move(second, dir.resolve(WalSegment.fileName(named - 1)));
    assertThatThrownBy(() -> logOf(OPTIONS)).isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("overlapping");
  }

  @Test
  void aLogStartingAfterIndexOneNeedsASnapshotThatReachesIt() throws IOException {
    List<Entry> synced = writeSyncedLog();
    Path first = segments().get(0);
    long secondStart = Long.parseLong(segments().get(1).getFileName().toString().substring(4, 24));
    Files.delete(first);
    try (FileRaftStorage storage = FileRaftStorage.open(dir, OPTIONS)) {
      Recovered recovered = storage.load(); // the log alone is fine: compaction leaves this
      assertThat(recovered.entries().get(0).index()).isEqualTo(secondStart);
      assertThatThrownBy(() -> LogAfterSnapshot.reconcile(storage, recovered, SnapshotMeta.NONE,
          null)).isInstanceOf(CorruptLogException.class)
          .hasMessageContaining("entries 1.." + (secondStart - 1) + " are in neither")
          .hasMessageContaining("copy the newest snap-*.jsonl from a healthy member");
      Entry last = synced.get(synced.size() - 1);
      SnapshotMeta covering = new SnapshotMeta(secondStart - 1,
          synced.get((int) secondStart - 2).term());
      assertThat(LogAfterSnapshot.reconcile(storage, recovered, covering, null))
          .endsWith(last).first().isEqualTo(synced.get((int) secondStart - 1));
    }
  }

  @Test
  void filesThatAreNotSegmentsAreLeftAlone() throws IOException {
    List<Entry> synced = writeSyncedLog();
    Files.writeString(dir.resolve("notes.txt"), "hello", StandardCharsets.UTF_8);
    assertThat(logOf(OPTIONS).entries()).isEqualTo(synced);
    assertThat(Files.exists(dir.resolve("notes.txt"))).isTrue();
  }
}
