package raftkv.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.raft.Membership;
import raftkv.raft.SnapshotMeta;

/** The snapshot files of a data directory, on real files. */
class SnapshotFilesTest {

  @TempDir
  Path dir;

  SnapshotFiles files;

  @BeforeEach
  void setUp() {
    files = new SnapshotFiles(dir);
  }

  static byte[] content(long index) {
    return ("snapshot " + index + "\n").getBytes(UTF_8);
  }

  long write(long index) throws IOException {
    byte[] bytes = content(index);
    return files.write(index, out -> {
      out.write(bytes);
      return bytes.length;
    });
  }

  List<String> names() throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      return all.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static String name(long index) {
    return String.format("snap-%020d.jsonl", index);
  }

  @Test
  void aWrittenSnapshotIsInPlaceUnderItsIndexWithNoTempFileLeft() throws IOException {
    long bytes = write(500);
    Path file = files.pathOf(500);
    assertThat(file).isEqualTo(dir.resolve("snap-00000000000000000500.jsonl"));
    assertThat(Files.readAllBytes(file)).isEqualTo(content(500));
    assertThat(bytes).isEqualTo(content(500).length);
    assertThat(names()).containsExactly(name(500));
    assertThat(files.newestFirst()).containsExactly(file);
    assertThat(files.totalBytes()).isEqualTo(Files.size(file));
  }

  @Test
  void writingThreeSnapshotsLeavesOnlyTheNewestTwo() throws IOException {
    write(100);
    write(200);
    assertThat(files.newestFirst()).containsExactly(files.pathOf(200), files.pathOf(100));
    write(300);
    assertThat(files.newestFirst()).containsExactly(files.pathOf(300), files.pathOf(200));
    assertThat(Files.exists(files.pathOf(100))).isFalse();
    assertThat(names()).containsExactly(name(200), name(300));
    assertThat(Files.readAllBytes(files.pathOf(200))).isEqualTo(content(200));
    assertThat(files.totalBytes())
        .isEqualTo(Files.size(files.pathOf(200)) + Files.size(files.pathOf(300)));
  }

  @Test
  void theNewestAreTheHighestIndexesWhateverOrderTheyCameIn() throws IOException {
    write(9);
    write(1000);
    write(20); // older than both kept ones: not kept
    assertThat(files.newestFirst()).containsExactly(files.pathOf(1000), files.pathOf(20));
    write(5);
    assertThat(files.newestFirst()).containsExactly(files.pathOf(1000), files.pathOf(20));
  }

  @Test
  void writingTheSameIndexAgainReplacesIt() throws IOException {
    write(100);
    files.write(100, out -> {
      out.write("again\n".getBytes(UTF_8));
      return 6;
    });
    assertThat(names()).containsExactly(name(100));
    assertThat(Files.readString(files.pathOf(100))).isEqualTo("again\n");
  }

  @Test
  void aStaleLongerTempFileOfTheSameIndexIsOverwrittenNotAppendedTo() throws IOException {
    Files.write(dir.resolve(name(100) + ".tmp"), "x".repeat(1000).getBytes(UTF_8));
    write(100);
    assertThat(Files.readAllBytes(files.pathOf(100))).isEqualTo(content(100));
    assertThat(names()).containsExactly(name(100));
  }

  @Test
  void aWriteThatFailsLeavesNoTempFileAndTheOlderSnapshotsUntouched() throws IOException {
    write(100);
    write(200);
    assertThatThrownBy(() -> files.write(300, out -> {
      out.write("half a snap".getBytes(UTF_8));
      throw new IOException("disk full");
    })).isInstanceOf(IOException.class).hasMessage("disk full");
    assertThat(names()).containsExactly(name(100), name(200));
    assertThatThrownBy(() -> files.write(300, out -> {
      throw new IllegalStateException("bug");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(names()).containsExactly(name(100), name(200));
  }

  @Test
  void aSnapshotStreamWrittenThroughTheFilesReadsBack() throws IOException {
    SnapshotStream.Header header =
        new SnapshotStream.Header(
            new SnapshotMeta(42, 2, Membership.ofVoters(List.of(1, 2, 3))), Map.of("revision", 7L));
    List<String> lines = List.of("{\"key\":\"a\"}", "{\"key\":\"b\"}");
    long bytes = files.write(42, out -> SnapshotStreamTest.writeTo(out, header, lines));
    assertThat(bytes).isEqualTo(Files.size(files.pathOf(42)));
    try (InputStream in = Files.newInputStream(files.newestFirst().get(0))) {
      SnapshotStreamTest.Read back = SnapshotStreamTest.read(in);
      assertThat(back.header()).isEqualTo(header);
      assertThat(back.lines()).isEqualTo(lines);
    }
  }

  @Test
  void deleteLeftoversDeletesTempFilesOnly() throws IOException {
    write(100);
    Files.write(dir.resolve(name(200) + ".tmp"), "half".getBytes(UTF_8));
    Files.write(dir.resolve(name(300) + ".tmp"), new byte[0]);
    Path partial = files.partialOf(new SnapshotMeta(400, 2));
    Files.write(partial, "received so far".getBytes(UTF_8));
    Files.write(dir.resolve("hardstate.json.tmp"), "{}".getBytes(UTF_8));
    Files.write(dir.resolve("log-00000000000000000001.jsonl"), new byte[0]);
    Files.write(dir.resolve(name(50) + ".damaged"), "x".getBytes(UTF_8));
    assertThat(files.newestFirst()).as("a temp file is no snapshot")
        .containsExactly(files.pathOf(100));

    files.deleteLeftovers();

    assertThat(names()).containsExactlyInAnyOrder("hardstate.json.tmp",
        "log-00000000000000000001.jsonl", name(100), name(50) + ".damaged",
        partial.getFileName().toString());
    files.deleteLeftovers(); // nothing left to do
    assertThat(names()).hasSize(5);
  }

  @Test
  void loadingTheStorageDeletesALeftoverTempSnapshot() throws IOException {
    Files.write(dir.resolve(name(200) + ".tmp"), "half".getBytes(UTF_8));
    try (FileRaftStorage storage = FileRaftStorage.open(dir, StorageOptions.defaults())) {
      storage.load();
      assertThat(storage.snapshots().dir()).isEqualTo(dir);
    }
    assertThat(names()).doesNotContain(name(200) + ".tmp");
  }

  @Test
  void aPartialIsNamedByIndexAndTerm() {
    assertThat(files.partialOf(new SnapshotMeta(700000, 4)))
        .isEqualTo(dir.resolve("snap-00000000000000700000-0000000004.partial"));
  }

  @Test
  void completeReceivedSwitchesAPartialIntoPlace() throws IOException {
    write(100);
    SnapshotMeta meta = new SnapshotMeta(250, 3);
    Path partial = files.partialOf(meta);
    Files.write(partial, "first half, ".getBytes(UTF_8));
    assertThat(files.newestFirst()).as("not complete yet").containsExactly(files.pathOf(100));
    Files.write(partial, "second half\n".getBytes(UTF_8), java.nio.file.StandardOpenOption.APPEND);

    files.completeReceived(meta);

    assertThat(Files.exists(partial)).isFalse();
    assertThat(Files.readString(files.pathOf(250))).isEqualTo("first half, second half\n");
    assertThat(files.newestFirst()).containsExactly(files.pathOf(250), files.pathOf(100));
  }

  @Test
  void aReceivedSnapshotCountsTowardsTheNewestTwo() throws IOException {
    write(100);
    write(200);
    SnapshotMeta meta = new SnapshotMeta(300, 5);
    Files.write(files.partialOf(meta), content(300));
    files.completeReceived(meta);
    assertThat(names()).containsExactly(name(200), name(300));
  }

  @Test
  void aReceivedSnapshotReplacesOneWithTheSameIndex() throws IOException {
    write(300);
    SnapshotMeta meta = new SnapshotMeta(300, 5);
    Files.write(files.partialOf(meta), "from the leader\n".getBytes(UTF_8));
    files.completeReceived(meta);
    assertThat(names()).containsExactly(name(300));
    assertThat(Files.readString(files.pathOf(300))).isEqualTo("from the leader\n");
  }

  @Test
  void completingAPartialThatIsNotThereFails() throws IOException {
    write(100);
    assertThatThrownBy(() -> files.completeReceived(new SnapshotMeta(200, 1)))
        .isInstanceOf(IOException.class);
    assertThat(names()).containsExactly(name(100));
  }

  @Test
  void deletePartialsExceptKeepsOnlyTheNamedTransfer() throws IOException {
    write(100);
    SnapshotMeta keep = new SnapshotMeta(400, 3);
    List<SnapshotMeta> others = List.of(new SnapshotMeta(400, 2), new SnapshotMeta(300, 3),
        new SnapshotMeta(500, 3));
    Files.write(files.partialOf(keep), "keep".getBytes(UTF_8));
    for (SnapshotMeta m : others) Files.write(files.partialOf(m), "old".getBytes(UTF_8));
    Files.write(dir.resolve(name(600) + ".tmp"), "tmp".getBytes(UTF_8));

    files.deletePartialsExcept(keep);

    assertThat(names()).containsExactlyInAnyOrder(name(100), name(600) + ".tmp",
        files.partialOf(keep).getFileName().toString());
    assertThat(Files.readString(files.partialOf(keep))).isEqualTo("keep");

    files.deletePartialsExcept(null);
    assertThat(names()).containsExactly(name(100), name(600) + ".tmp");
  }

  @Test
  void indexOfReadsOnlyCompleteSnapshotNames() {
    assertThat(SnapshotFiles.indexOf(Path.of("snap-00000000000000000500.jsonl")))
        .isEqualTo(OptionalLong.of(500));
    assertThat(SnapshotFiles.indexOf(dir.resolve("snap-00000000000000000001.jsonl")))
        .isEqualTo(OptionalLong.of(1));
    assertThat(SnapshotFiles.indexOf(Path.of("snap-09223372036854775807.jsonl")))
        .isEqualTo(OptionalLong.of(Long.MAX_VALUE));
    for (String other : List.of("snap-00000000000000000500.jsonl.tmp",
        "snap-00000000000000000500.jsonl.damaged", "snap-00000000000000000500-0000000002.partial",
        "snap-500.jsonl", "snap-0000000000000000500.jsonl", "snap-000000000000000000500.jsonl",
        "snap-99999999999999999999.jsonl", "log-00000000000000000500.jsonl",
        "xsnap-00000000000000000500.jsonl", "snap-0000000000000000050a.jsonl")) {
      assertThat(SnapshotFiles.indexOf(Path.of(other))).as(other).isEmpty();
    }
  }

  @Test
  void newestFirstListsCompleteSnapshotsByIndexAndNothingElse() throws IOException {
    List<Long> indexes = List.of(70L, 9L, 1_000_000L, 300L);
    for (long i : indexes) Files.write(dir.resolve(name(i)), content(i)); // as if left by others
    Files.write(dir.resolve(name(2_000_000) + ".tmp"), content(1));
    Files.write(files.partialOf(new SnapshotMeta(3_000_000, 1)), content(1));
    Files.write(dir.resolve(name(4_000_000) + ".damaged"), content(1));
    List<Long> listed = new ArrayList<>();
    for (Path p : files.newestFirst()) listed.add(SnapshotFiles.indexOf(p).getAsLong());
    assertThat(listed).containsExactly(1_000_000L, 300L, 70L, 9L);
  }
}
