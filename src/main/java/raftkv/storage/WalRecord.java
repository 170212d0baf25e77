package raftkv.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.List;
import java.util.zip.CRC32C;
import raftkv.raft.Entry;

/**
 * One log entry as one line of a segment file:
 *
 * <pre>{"index":12,"term":3,"command":"...","crc":"1a2b3c4d"}\n</pre>
 *
 * <p>{@code crc} is the CRC32C, as 8 lowercase hex digits, of: the index as 8 bytes big-endian,
 * the term as 8 bytes big-endian, then the command's UTF-8 bytes (as Java encodes them: an
 * unpaired surrogate, which JSON stores escaped, counts as '?'). It covers the values, not the
 * JSON text, so any tool that re-encodes a line can still check it. A raw newline byte only ever
 * ends a record: JSON escapes newlines inside strings.
 */
final class WalRecord {

  private WalRecord() {}

  /** The checksum described above, as stored in the {@code crc} field. */
  static String checksum(CRC32C crc, long index, long term, String command) {
    crc.reset();
    StorageJson.updateLong(crc, index);
    StorageJson.updateLong(crc, term);
    crc.update(command.getBytes(UTF_8));
    return StorageJson.hex(crc);
  }

  /**
   * Serializes batches of entries into one reusable byte buffer, ready for a single write.
   * Not thread-safe: one per log.
   */
  static final class Encoder {
    private final ByteSink sink = new ByteSink();
    private final CRC32C crc = new CRC32C();

    /**
     * Encodes the entries, one line each, and returns the bytes (valid until the next call).
     * {@code offsets[i]} receives the offset of entry i's line in those bytes.
     */
    ByteSink encode(List<Entry> entries, long[] offsets) throws IOException {
      sink.reset();
      try (JsonGenerator gen = StorageJson.FACTORY.createGenerator(sink)) {
        gen.setRootValueSeparator(null); // we end each record with '\n' ourselves
        for (int i = 0; i < entries.size(); i++) {
          offsets[i] = sink.size();
          write(gen, entries.get(i));
          gen.flush(); // so sink.size() is the next record's offset
        }
      }
      return sink;
    }

    private void write(JsonGenerator gen, Entry e) throws IOException {
      gen.writeStartObject();
      gen.writeNumberField("index", e.index());
      gen.writeNumberField("term", e.term());
      gen.writeStringField("command", e.command());
      gen.writeStringField("crc", checksum(crc, e.index(), e.term(), e.command()));
      gen.writeEndObject();
      gen.writeRaw('\n');
    }
  }

  /** Why a line is not a valid record. */
  static final class BadRecordException extends Exception {
    BadRecordException(String reason) {
      super(reason, null, false, false); // an expected outcome: no stack trace needed
    }
  }

  /**
   * Decodes the line {@code bytes[from, to)} (without its newline), checking its JSON shape
   * and checksum.
   */
  static Entry decode(byte[] bytes, int from, int to, CRC32C crc) throws BadRecordException {
    Fields f = new Fields();
    try (JsonParser p = StorageJson.FACTORY.createParser(bytes, from, to - from)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw bad("not a JSON object");
      JsonToken token;
      while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
        f.read(p.currentName(), p);
      }
      if (token != JsonToken.END_OBJECT) throw bad("not a JSON object");
      if (p.nextToken() != null) throw bad("unexpected data after the record");
    } catch (JsonProcessingException e) {
      throw bad("invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw bad("unreadable: " + e.getMessage()); // not expected from a byte array
    }
    return f.toEntry(crc);
  }

  private static BadRecordException bad(String reason) {
    return new BadRecordException(reason);
  }

  /** The fields of one record as they are parsed. */
  private static final class Fields {
    private Long index;
    private Long term;
    private String command;
    private String crc;

    void read(String name, JsonParser p) throws IOException, BadRecordException {
      JsonToken value = p.nextToken();
      switch (name) {
        case "index" -> index = longValue(name, value, p);
        case "term" -> term = longValue(name, value, p);
        case "command" -> command = stringValue(name, value, p);
        case "crc" -> crc = stringValue(name, value, p);
        default -> throw bad("unexpected field \"" + name + "\"");
      }
    }

    Entry toEntry(CRC32C checksum) throws BadRecordException {
      if (index == null || term == null || command == null || crc == null) {
        throw bad("missing field (index, term, command and crc are required)");
      }
      String expected = checksum(checksum, index, term, command);
      if (!expected.equals(crc)) {
        throw bad("checksum mismatch (stored " + crc + ", computed " + expected + ")");
      }
      try {
        return new Entry(index, term, command);
      } catch (IllegalArgumentException e) {
        throw bad("invalid entry: " + e.getMessage());
      }
    }

    private static long longValue(String name, JsonToken value, JsonParser p)
        throws IOException, BadRecordException {
      if (value != JsonToken.VALUE_NUMBER_INT) throw bad(name + " is not an integer");
      return p.getLongValue();
    }

    private static String stringValue(String name, JsonToken value, JsonParser p)
        throws IOException, BadRecordException {
      if (value != JsonToken.VALUE_STRING) throw bad(name + " is not a string");
      return p.getText();
    }
  }
}
