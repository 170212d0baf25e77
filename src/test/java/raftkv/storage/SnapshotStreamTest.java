package raftkv.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.raft.Membership;
import raftkv.raft.SnapshotMeta;

/**
 * The snapshot framing on real files: what is written reads back the same, and a file that is
 * cut short or damaged anywhere is refused with a {@link CorruptSnapshotException}.
 */
class SnapshotStreamTest {

  static final SnapshotStream.Header HEADER = new SnapshotStream.Header(
      new SnapshotMeta(5000, 3, Membership.decode("#members 1=voter@a:1:2 2=voter@b:1:2"
          + " 4=learner@c:1:2")), counters());

  static final List<String> LINES = List.of(
      "{\"key\":\"a\",\"value\":\"aGVsbG8=\",\"create\":1,\"mod\":9,\"version\":2}",
      "{\"key\":\"b/\\u00e9\",\"value\":\"\",\"create\":3,\"mod\":3,\"version\":1}",
      "{\"key\":\"unicode é € 😀 中文\",\"value\":\"eA==\",\"create\":4,\"mod\":7,\"version\":3}",
      "{\"requestId\":\"r-1\",\"fingerprint\":77,\"expiresAtMs\":1700000600000,"
          + "\"result\":{\"status\":\"OK\",\"revision\":9}}");

  @TempDir
  Path dir;

  static Map<String, Long> counters() {
    Map<String, Long> c = new LinkedHashMap<>();
    c.put("revision", 4711L);
    c.put("logClockMs", 1_700_000_000_000L);
    return c;
  }

  /** Writes a snapshot file through the writer (as {@link SnapshotFiles} does). */
  Path write(SnapshotStream.Header header, List<String> lines) throws IOException {
    Path file = dir.resolve("snap.jsonl");
    try (OutputStream out = Files.newOutputStream(file)) {
      long bytes = writeTo(out, header, lines);
      out.flush();
      assertThat(bytes).as("finish() returns the bytes written").isEqualTo(Files.size(file));
    }
    return file;
  }

  static long writeTo(OutputStream out, SnapshotStream.Header header, List<String> lines)
      throws IOException {
    SnapshotStream.Writer writer = new SnapshotStream.Writer(out, header);
    for (String line : lines) {
      byte[] framed = ("xx" + line + "yy").getBytes(UTF_8); // offset and length are honoured
      writer.line(framed, 2, framed.length - 4);
    }
    return writer.finish();
  }

  record Read(SnapshotStream.Header header, List<String> lines) {}

  static Read read(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    SnapshotStream.Header header =
        SnapshotStream.read(in, (bytes, offset, length) -> lines.add(new String(bytes, offset,
            length, UTF_8)));
    return new Read(header, lines);
  }

  static Read read(byte[] bytes) throws IOException {
    return read(new ByteArrayInputStream(bytes));
  }

  static Read read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in);
    }
  }

  static int lineStart(byte[] bytes, int n) {
    return WalCrashTest.lineStart(bytes, n);
  }

  @Test
  void aSnapshotWrittenThenReadBackYieldsTheSameHeaderAndLines() throws IOException {
    Read back = read(write(HEADER, LINES));
    assertThat(back.header()).isEqualTo(HEADER);
    assertThat(back.header().meta().index()).isEqualTo(5000);
    assertThat(back.header().meta().membership().voters()).containsExactly(1, 2);
    assertThat(back.header().meta().membership().learners()).containsExactly(4);
    assertThat(back.header().meta().membership().member(4).address()).isEqualTo("c:1:2");
    assertThat(back.header().counter("revision")).isEqualTo(4711L);
    assertThat(back.header().counter("logClockMs")).isEqualTo(1_700_000_000_000L);
    assertThat(back.lines()).isEqualTo(LINES);
  }

  @Test
  void anEmptyBodyRoundTrips() throws IOException {
    SnapshotStream.Header header =
        new SnapshotStream.Header(new SnapshotMeta(1, 1), Map.of());
    Read back = read(write(header, List.of()));
    assertThat(back.header()).isEqualTo(header);
    assertThat(back.lines()).isEmpty();
  }

  @Test
  void linesLongerThanTheReadBuffersAndManyLinesAcrossChunkBoundariesRoundTrip()
      throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("{\"key\":\"big\",\"value\":\"" + "v".repeat(200_000) + "\"}"); // > 64 KiB chunk
    for (int i = 0; i < 5000; i++) lines.add("{\"key\":\"k" + i + "\",\"n\":" + i + "}");
    lines.add("{\"key\":\"big2\",\"value\":\"" + "w".repeat(70_000) + "\"}");
    Read back = read(write(HEADER, lines));
    assertThat(back.header()).isEqualTo(HEADER);
    assertThat(back.lines()).isEqualTo(lines);
  }

  @Test
  void aStreamThatDeliversAFewBytesAtATimeReadsTheSame() throws IOException {
    byte[] bytes = Files.readAllBytes(write(HEADER, LINES));
    for (int piece : new int[] {1, 2, 7, 64}) {
      InputStream trickle = new ByteArrayInputStream(bytes) {
        @Override
        public synchronized int read(byte[] b, int off, int len) {
          return super.read(b, off, Math.min(len, piece));
        }
      };
      Read back = read(trickle);
      assertThat(back.header()).as("%d bytes a read", piece).isEqualTo(HEADER);
      assertThat(back.lines()).as("%d bytes a read", piece).isEqualTo(LINES);
    }
  }

  @Test
  void theFileIsJsonLinesWithAHeaderAndATrailerThatCountsTheBodyAndChecksumsEverythingBefore()
      throws IOException {
    byte[] bytes = Files.readAllBytes(write(HEADER, LINES));
    String[] lines = new String(bytes, UTF_8).split("\n", -1);
    assertThat(lines).hasSize(LINES.size() + 3); // header, body, trailer, "" after the last \n
    assertThat(lines[lines.length - 1]).isEmpty();

    ObjectMapper json = new ObjectMapper();
    JsonNode header = json.readTree(lines[0]);
    assertThat(header.get("type").asText()).isEqualTo("header");
    assertThat(header.get("index").asLong()).isEqualTo(5000);
    assertThat(header.get("term").asLong()).isEqualTo(3);
    assertThat(header.get("members").toString()).as("the voters").isEqualTo("[1,2]");
    assertThat(header.get("membership").asText())
        .isEqualTo("#members 1=voter@a:1:2 2=voter@b:1:2 4=learner@c:1:2");
    assertThat(header.get("revision").asLong()).isEqualTo(4711);

    String trailerLine = lines[lines.length - 2];
    JsonNode trailer = json.readTree(trailerLine);
    assertThat(trailer.get("type").asText()).isEqualTo("trailer");
    assertThat(trailer.get("lines").asLong()).isEqualTo(LINES.size());
    CRC32C crc = new CRC32C();
    int trailerStart = bytes.length - trailerLine.getBytes(UTF_8).length - 1;
    crc.update(bytes, 0, trailerStart);
    assertThat(trailer.get("crc32c").asText())
        .isEqualTo(String.format("%08x", crc.getValue()));
  }

  @Test
  void flippingAnyByteOfTheBodyGivesAChecksumMismatch() throws IOException {
    byte[] original = Files.readAllBytes(write(HEADER, LINES));
    int bodyStart = lineStart(original, 1);
    int bodyEnd = lineStart(original, 1 + LINES.size());
    for (int at = bodyStart; at < bodyEnd; at++) {
      if (original[at] == '\n') continue; // a newline merges lines: see the next test
      for (int mask : new int[] {0x01, 0x80, 0x20}) {
        byte[] damaged = original.clone();
        damaged[at] ^= (byte) mask;
        if (damaged[at] == '\n') continue;
        assertThatThrownBy(() -> read(damaged)).as("byte %d ^ %x", at, mask)
            .isInstanceOf(CorruptSnapshotException.class)
            .hasMessageContaining("checksum mismatch");
      }
    }
  }

  @Test
  void flippingAnyByteOfTheFileIsRefused() throws IOException {
    byte[] original = Files.readAllBytes(write(HEADER, LINES));
    for (int at = 0; at < original.length; at++) {
      for (int mask : new int[] {0x01, 0x02, 0x10, 0x80}) {
        byte[] damaged = original.clone();
        damaged[at] ^= (byte) mask;
        assertThatThrownBy(() -> read(damaged)).as("byte %d ^ %x", at, mask)
            .isInstanceOf(CorruptSnapshotException.class);
      }
    }
  }

  @Test
  void cuttingTheFileAnywhereIsRefused() throws IOException {
    byte[] original = Files.readAllBytes(write(HEADER, LINES));
    Path file = dir.resolve("cut.jsonl");
    for (int cut = 0; cut < original.length; cut++) {
      Files.write(file, Arrays.copyOf(original, cut));
      assertThatThrownBy(() -> read(file)).as("cut at %d of %d", cut, original.length)
          .isInstanceOf(CorruptSnapshotException.class);
    }
    Files.write(file, original);
    assertThat(read(file).lines()).isEqualTo(LINES);
  }

  @Test
  void cutsAreNamedForWhatTheyAre() throws IOException {
    byte[] original = Files.readAllBytes(write(HEADER, LINES));
    assertThatThrownBy(() -> read(new byte[0])).isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("empty");
    int afterTwoLines = lineStart(original, 3); // header and two body lines, then nothing
    assertThatThrownBy(() -> read(Arrays.copyOf(original, afterTwoLines)))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("ends after 2 lines without a trailer");
    assertThatThrownBy(() -> read(Arrays.copyOf(original, original.length - 1)))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("no newline");
  }

  @Test
  void dataAfterTheTrailerIsRefused() throws IOException {
    byte[] original = Files.readAllBytes(write(HEADER, LINES));
    for (String extra : List.of("\n", "{\"key\":\"z\"}\n", "{\"key\":\"z\"}")) {
      ByteArrayOutputStream more = new ByteArrayOutputStream();
      more.write(original);
      more.write(extra.getBytes(UTF_8));
      assertThatThrownBy(() -> read(more.toByteArray())).as("followed by %s", extra)
          .isInstanceOf(CorruptSnapshotException.class);
    }
  }

  @Test
  void aTrailerWhoseCountDisagreesIsRefusedEvenWithTheRightChecksum() throws IOException {
    byte[] original = Files.readAllBytes(write(HEADER, LINES));
    String text = new String(original, UTF_8);
    String changed = text.replace("\"lines\":" + LINES.size() + ",",
        "\"lines\":" + (LINES.size() + 1) + ",");
    assertThat(changed).isNotEqualTo(text);
    assertThatThrownBy(() -> read(changed.getBytes(UTF_8)))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("the trailer counts " + (LINES.size() + 1) + " lines, but "
            + LINES.size() + " were read");
  }

  @Test
  void aFileThatIsNotASnapshotIsRefused() {
    List<String> notSnapshots = List.of(
        "{\"index\":1,\"term\":1,\"command\":\"set\",\"crc\":\"00000000\"}\n",
        "{\"type\":\"trailer\",\"lines\":0,\"crc32c\":\"00000000\"}\n",
        "{\"type\":\"header\",\"term\":1}\n",
        "{\"type\":\"header\",\"index\":-1,\"term\":1}\n",
        "{\"type\":\"header\",\"index\":5,\"term\":0}\n",
        "{\"type\":\"header\",\"index\":5,\"term\":1,\"revision\":\"x\"}\n",
        "[1,2,3]\n",
        "not json at all\n");
    for (String text : notSnapshots) {
      assertThatThrownBy(() -> read(text.getBytes(UTF_8))).as(text)
          .isInstanceOf(CorruptSnapshotException.class);
    }
  }

  @Test
  void aCounterTheHeaderLacksIsNamed() throws IOException {
    Read back = read(write(HEADER, LINES));
    assertThatThrownBy(() -> back.header().counter("nope"))
        .isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("no nope");
  }
}
