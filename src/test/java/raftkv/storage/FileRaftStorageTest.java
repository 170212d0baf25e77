package raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static raftkv.storage.Entries.range;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/** The contract on real files (small segments, so they roll), plus the file format itself. */
class FileRaftStorageTest extends RaftStorageContract {

  static final StorageOptions SMALL_SEGMENTS = StorageOptions.defaults().withSegmentSizeBytes(512);

  @TempDir
  Path dir;

  @Override
  RaftStorage create() throws IOException {
    return FileRaftStorage.open(dir, SMALL_SEGMENTS);
  }

  @Override
  RaftStorage restart(RaftStorage old) throws IOException {
    old.close();
    return FileRaftStorage.open(dir, SMALL_SEGMENTS);
  }

  @Test
  void eachLineIsPlainJsonWithIndexTermCommandAndChecksum() throws IOException {
    fresh().append(range(1, 3, 7));
    List<String> lines = Files.readAllLines(dir.resolve("log-00000000000000000001.jsonl"));
    assertThat(lines).hasSize(3);
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.get("index").asLong()).isEqualTo(1);
    assertThat(first.get("term").asLong()).isEqualTo(7);
    assertThat(first.get("command").asText()).isEqualTo("set k1 t7");
    assertThat(first.get("crc").asText()).matches("[0-9a-f]{8}");
    assertThat(lines.get(0))
        .startsWith("{\"index\":1,\"term\":7,\"command\":\"set k1 t7\",\"crc\":");
  }

  @Test
  void recoveryMakesEverythingItReadBackDurableBeforeReturningIt() throws IOException {
    RaftStorage first = fresh();
    for (int i = 1; i <= 40; i += 5) first.append(range(i, i + 4, 1)); // several segments, unsynced
    first.saveHardState(new HardState(2, 1, 0));
    first.close(); // as a killed process leaves them: in the page cache, maybe not on disk

    FileRaftStorage restarted = FileRaftStorage.open(dir, SMALL_SEGMENTS);
    restarted.load();

    List<Path> segments;
    try (Stream<Path> files = Files.list(dir)) {
      segments = files.filter(p -> p.getFileName().toString().startsWith("log-")).sorted()
          .toList();
    }
    assertThat(segments).hasSizeGreaterThan(2);
    assertThat(restarted.syncedAtRecovery()).containsAll(segments)
        .contains(dir.resolve("hardstate.json"));
    assertThat(restarted.syncedAtRecovery()).last().as("then the directory, for new names")
        .isEqualTo(dir);
    restarted.close();
  }

  @Test
  void aSecondOpenOfALockedDirectoryIsRefusedNamingTheHolder() throws IOException {
    RaftStorage holder = fresh();
    holder.append(range(1, 3, 1));

    assertThatThrownBy(() -> FileRaftStorage.open(dir, SMALL_SEGMENTS))
        .isInstanceOf(DataDirLock.DataDirInUseException.class)
        .hasMessageContaining(dir + " is in use by another raftkv process")
        .hasMessageContaining("pid " + ProcessHandle.current().pid());
    holder.sync(); // the holder goes on, untouched
    holder.close();

    try (FileRaftStorage next = FileRaftStorage.open(dir, SMALL_SEGMENTS)) {
      assertThat(next.load().entries()).isEqualTo(range(1, 3, 1));
    }
  }

  @Test
  void theHardStateFileIsPlainJson() throws IOException {
    fresh().saveHardState(new HardState(3, 2, 0));
    String text = Files.readString(dir.resolve("hardstate.json"), StandardCharsets.UTF_8);
    assertThat(text).startsWith("{\"term\":3,\"votedFor\":2,\"commit\":0,\"crc\":\"");
    assertThat(Files.exists(dir.resolve("hardstate.json.tmp"))).isFalse();
  }

  @Test
  void segmentsRollAtTheSizeLimitAndAreNamedByTheirFirstIndex() throws IOException {
    fresh();
    for (long i = 1; i <= 100; i += 5) storage().append(range(i, i + 4, 1));
    List<Path> segments = segmentFiles();
    assertThat(segments.size()).isGreaterThan(5);
    assertThat(segments.get(0).getFileName()).hasToString("log-00000000000000000001.jsonl");
    for (Path segment : segments) {
      long named = Long.parseLong(segment.getFileName().toString().substring(4, 24));
      String firstLine = Files.readAllLines(segment).get(0);
      assertThat(firstLine).startsWith("{\"index\":" + named + ",");
      assertThat(Files.size(segment)).isLessThan(512 + 5 * 100); // at most one batch over
    }
    assertThat(reopen().entries()).isEqualTo(range(1, 100, 1));
  }

  @Test
  void truncatingIntoAnEarlierSegmentDeletesTheLaterOnes() throws IOException {
    fresh();
    for (long i = 1; i <= 100; i += 5) storage().append(range(i, i + 4, 1));
    int before = segmentFiles().size();
    storage().append(range(12, 13, 2));
    assertThat(segmentFiles().size()).isLessThan(before);
    List<Entry> expected = Entries.applyAppend(range(1, 100, 1), range(12, 13, 2));
    assertThat(reopen().entries()).isEqualTo(expected);
  }

  @Test
  void truncatingAtTheFirstIndexOfASegmentKeepsItsFile() throws IOException {
    fresh();
    for (long i = 1; i <= 100; i += 5) storage().append(range(i, i + 4, 1));
    Path second = segmentFiles().get(1);
    long secondFirst = Long.parseLong(second.getFileName().toString().substring(4, 24));
    storage().append(range(secondFirst, secondFirst, 3));
    assertThat(segmentFiles()).hasSize(2).contains(second);
    assertThat(reopen().entries())
        .isEqualTo(Entries.applyAppend(range(1, 100, 1), range(secondFirst, secondFirst, 3)));
  }

  @Test
  void aCommandLongerThanJacksonsDefaultStringLimitReadsBack() throws IOException {
    Entry huge = new Entry(1, 1, "v".repeat(21_000_000)); // the default limit is 20 M chars
    fresh().append(List.of(huge));
    assertThat(reopen().entries()).containsExactly(huge);
  }

  private RaftStorage storage() throws IOException {
    return storageUnderTest();
  }

  List<Path> segmentFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
    }
  }
}
