package raftkv.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import raftkv.raft.Membership;
import raftkv.raft.SnapshotMeta;

/**
 * The framing of a snapshot, which is JSON lines like the log, so {@code head} and {@code jq}
 * read it:
 *
 * <pre>
 *   {"type":"header","index":5000,"term":3,"members":[1,2,3],
 *    "membership":"#members 1=voter@... 2=voter@... 3=voter@...","revision":4711,...}
 *   {"key":"a","value":"aGVsbG8=","create":1,"mod":9,"version":2}      one line per key
 *   {"requestId":"r-1","fingerprint":...,"expiresAtMs":...,"result":{...}}
 *   {"type":"trailer","lines":2,"crc32c":"1a2b3c4d"}
 * </pre>
 *
 * <p>The header names where the snapshot ends in the log (index, term), the configuration as of
 * that entry ({@code membership}, as its log entry writes it; {@code members} lists the voters
 * for people reading the file; a snapshot that records no configuration has neither), and the
 * state machine's own counters (numbers). The body lines belong to the state machine; this class
 * only counts them. The trailer holds their count and the CRC32C of every byte before it, so a
 * snapshot cut short or damaged anywhere is refused as a whole.
 */
public final class SnapshotStream {

  private static final byte[] TRAILER_PREFIX = "{\"type\":\"trailer\"".getBytes(UTF_8);
  private static final int MAX_LINE_BYTES = 256 << 20;

  /** The first line of a snapshot. */
  public record Header(SnapshotMeta meta, Map<String, Long> counters) {
    public Header {
      counters = Map.copyOf(counters);
    }

    public long counter(String name) {
      Long value = counters.get(name);
      if (value == null) throw new CorruptSnapshotException("the header has no " + name);
      return value;
    }
  }

  /** Takes each body line: {@code bytes[offset, offset + length)}, without its newline. */
  public interface LineHandler {
    void line(byte[] bytes, int offset, int length);
  }

  private SnapshotStream() {}

  /** Writes a snapshot to a stream: header first, then {@link #line}s, then {@link #finish}. */
  public static final class Writer {
    private final OutputStream out;
    private final CRC32C crc = new CRC32C();
    private long lines;
    private long bytes;

    public Writer(OutputStream target, Header header) throws IOException {
      this.out = new BufferedOutputStream(target, 1 << 16);
      ByteSink sink = new ByteSink();
      try (JsonGenerator gen = StorageJson.FACTORY.createGenerator(sink)) {
        gen.writeStartObject();
        gen.writeStringField("type", "header");
        gen.writeNumberField("index", header.meta().index());
        gen.writeNumberField("term", header.meta().term());
        Membership membership = header.meta().membership();
        if (!membership.isEmpty()) {
          gen.writeArrayFieldStart("members");
          for (int m : membership.voters()) gen.writeNumber(m);
          gen.writeEndArray();
          gen.writeStringField("membership", membership.encode());
        }
        for (Map.Entry<String, Long> c : header.counters().entrySet()) {
          gen.writeNumberField(c.getKey(), c.getValue());
        }
        gen.writeEndObject();
      }
      writeLine(sink.toByteArray());
    }

    /** One body line: a JSON object without a newline inside (JSON escapes them in strings). */
    public void line(byte[] json, int offset, int length) throws IOException {
      out.write(json, offset, length);
      out.write('\n');
      crc.update(json, offset, length);
      crc.update('\n');
      bytes += length + 1;
      lines++;
    }

    /** Writes the trailer and flushes; the caller closes (and syncs) the target. */
    public long finish() throws IOException {
      String trailer = "{\"type\":\"trailer\",\"lines\":" + lines + ",\"crc32c\":\""
          + StorageJson.hex(crc) + "\"}\n";
      byte[] t = trailer.getBytes(UTF_8);
      out.write(t);
      out.flush();
      return bytes + t.length;
    }

    /** Bytes written so far. */
    public long bytes() {
      return bytes;
    }

    private void writeLine(byte[] json) throws IOException {
      out.write(json);
      out.write('\n');
      crc.update(json);
      crc.update('\n');
      bytes += json.length + 1;
    }
  }

  /**
   * Reads a whole snapshot, passing each body line to {@code lines}, and checks the trailer.
   *
   * @throws CorruptSnapshotException if it is cut short, damaged, or not a snapshot; the lines
   *     handed out so far must then be thrown away
   */
  public static Header read(InputStream in, LineHandler lines) throws IOException {
    LineReader reader = new LineReader(in);
    CRC32C crc = new CRC32C();
    if (!reader.next()) throw new CorruptSnapshotException("the file is empty");
    Header header = parseHeader(reader.buf, reader.length);
    crc.update(reader.buf, 0, reader.length + 1);
    long count = 0;
    while (reader.next()) {
      if (startsWith(reader.buf, reader.length, TRAILER_PREFIX)) {
        checkTrailer(reader.buf, reader.length, count, StorageJson.hex(crc));
        if (reader.next()) throw new CorruptSnapshotException("there is data after the trailer");
        return header;
      }
      lines.line(reader.buf, 0, reader.length);
      crc.update(reader.buf, 0, reader.length + 1);
      count++;
    }
    throw new CorruptSnapshotException("it ends after " + count + " lines without a trailer"
        + " (cut short)");
  }

  private static Header parseHeader(byte[] buf, int length) {
    try (JsonParser p = StorageJson.FACTORY.createParser(buf, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw notHeader();
      long index = -1;
      long term = -1;
      boolean typed = false;
      Membership membership = Membership.EMPTY;
      Map<String, Long> counters = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "type" -> typed = "header".equals(p.getText());
          case "index" -> index = p.getLongValue();
          case "term" -> term = p.getLongValue();
          case "members" -> {
            if (value != JsonToken.START_ARRAY) throw notHeader();
            p.skipChildren(); // the voters again, for people; "membership" says it all
          }
          case "membership" -> {
            if (value != JsonToken.VALUE_STRING) throw notHeader();
            membership = Membership.decode(p.getText());
          }
          default -> {
            if (value != JsonToken.VALUE_NUMBER_INT) throw notHeader();
            counters.put(name, p.getLongValue());
          }
        }
      }
      if (!typed || index < 0 || term < 0) throw notHeader();
      return new Header(new SnapshotMeta(index, term, membership), counters);
    } catch (IOException | IllegalArgumentException e) {
      throw new CorruptSnapshotException("the header line does not decode: " + e.getMessage());
    }
  }

  private static CorruptSnapshotException notHeader() {
    return new CorruptSnapshotException("the first line is not a snapshot header"
        + " ({\"type\":\"header\",\"index\":...,\"term\":...})");
  }

  private static void checkTrailer(byte[] buf, int length, long count, String crc) {
    Map<?, ?> trailer;
    try {
      trailer = StorageJson.MAPPER.readValue(buf, 0, length, Map.class);
    } catch (IOException e) {
      throw new CorruptSnapshotException("the trailer does not decode: " + e.getMessage());
    }
    Object lines = trailer.get("lines");
    if (!(lines instanceof Number n) || n.longValue() != count) {
      throw new CorruptSnapshotException("the trailer counts " + lines + " lines, but " + count
          + " were read");
    }
    if (!crc.equals(trailer.get("crc32c"))) {
      throw new CorruptSnapshotException("checksum mismatch: the trailer says "
          + trailer.get("crc32c") + ", the content has " + crc);
    }
  }

  private static boolean startsWith(byte[] buf, int length, byte[] prefix) {
    return length >= prefix.length
        && Arrays.equals(buf, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** Newline-terminated lines into one reusable buffer; a last line without newline is damage. */
  private static final class LineReader {
    private final InputStream in;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkEnd;
    byte[] buf = new byte[1 << 12];
    int length;

    LineReader(InputStream in) {
      this.in = in;
    }

    /** Reads the next line into {@code buf[0, length)} (newline at {@code buf[length]}). */
    boolean next() throws IOException {
      length = 0;
      while (true) {
        if (chunkPos == chunkEnd) {
          chunkEnd = in.read(chunk);
          chunkPos = 0;
          if (chunkEnd <= 0) {
            chunkEnd = 0;
            if (length == 0) return false;
            throw new CorruptSnapshotException("the last line has no newline (cut short)");
          }
        }
        int start = chunkPos;
        while (chunkPos < chunkEnd && chunk[chunkPos] != '\n') chunkPos++;
        boolean ended = chunkPos < chunkEnd;
        append(start, chunkPos - start + (ended ? 1 : 0));
        if (ended) {
          chunkPos++;
          length--; // the newline stays in buf, outside the line
          return true;
        }
      }
    }

    private void append(int from, int count) {
      if (length + count > buf.length) {
        if (length + count > MAX_LINE_BYTES) {
          throw new CorruptSnapshotException("a line is longer than " + MAX_LINE_BYTES + " bytes");
        }
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + count));
      }
      System.arraycopy(chunk, from, buf, length, count);
      length += count;
    }
  }
}
