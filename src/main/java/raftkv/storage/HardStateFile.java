package raftkv.storage;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.HardState;

/**
 * The hard state in {@code hardstate.json}: {@code {"term":3,"votedFor":2,"commit":17,"crc":".."}}.
 * {@code crc} is the CRC32C (8 lowercase hex digits) of the term (8 bytes big-endian), votedFor
 * (4 bytes big-endian) and commit (8 bytes big-endian).
 *
 * <p>It is replaced atomically: the new state goes to {@code hardstate.json.tmp}, which is
 * fsynced and renamed over the old file, and then the directory is fsynced. A crash at any point
 * leaves either the old or the new file; a temp file found at start is the remains of a crash
 * before the rename and is removed. A damaged file is an error, never a silent reset: a node that
 * forgets its vote can vote twice in one term.
 */
final class HardStateFile {

  private static final Logger LOG = LoggerFactory.getLogger(HardStateFile.class);
  static final String NAME = "hardstate.json";
  static final String TEMP_NAME = NAME + ".tmp";

  private final Path dir;
  private final Path file;
  private final Path temp;
  private final CRC32C crc = new CRC32C();
  private final ByteSink sink = new ByteSink();

  HardStateFile(Path dir) {
    this.dir = dir;
    this.file = dir.resolve(NAME);
    this.temp = dir.resolve(TEMP_NAME);
  }

  /** Reads the saved state, {@link HardState#EMPTY} if none was ever saved. */
  HardState read(List<String> warnings) throws IOException {
    if (Files.deleteIfExists(temp)) {
      String message = temp + ": removed a leftover temp file (a crash before its rename); "
          + file.getFileName() + " is still the saved hard state";
      LOG.warn(message);
      warnings.add(message);
    }
    if (!Files.exists(file)) return HardState.EMPTY;
    try {
      return decode(Files.readAllBytes(file));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw corrupt(e.getMessage());
    }
  }

  void write(HardState state) throws IOException {
    encode(state);
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer bytes = sink.asByteBuffer();
      while (bytes.hasRemaining()) ch.write(bytes);
      ch.force(false);
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    FileSync.syncDir(dir);
  }

  private void encode(HardState state) throws IOException {
    sink.reset();
    try (JsonGenerator gen = StorageJson.FACTORY.createGenerator(sink)) {
      gen.writeStartObject();
      gen.writeNumberField("term", state.term());
      gen.writeNumberField("votedFor", state.votedFor());
      gen.writeNumberField("commit", state.commit());
      gen.writeStringField("crc", checksum(state.term(), state.votedFor(), state.commit()));
      gen.writeEndObject();
      gen.writeRaw('\n');
    }
  }

  private HardState decode(byte[] bytes) throws IOException {
    JsonNode node = StorageJson.MAPPER.readTree(bytes);
    if (node == null || !node.isObject()) throw corrupt("not a JSON object");
    long term = longField(node, "term");
    long votedFor = longField(node, "votedFor");
    long commit = longField(node, "commit");
    JsonNode stored = node.get("crc");
    if (node.size() != 4 || stored == null || !stored.isTextual()) {
      throw corrupt("expected exactly the fields term, votedFor, commit and crc");
    }
    if (votedFor < 0 || votedFor > Integer.MAX_VALUE) throw corrupt("votedFor out of range");
    String expected = checksum(term, (int) votedFor, commit);
    String actual = stored.asText();
    if (!expected.equals(actual)) {
      throw corrupt("checksum mismatch (stored " + actual + ", computed " + expected + ")");
    }
    return new HardState(term, (int) votedFor, commit);
  }

  private long longField(JsonNode node, String name) throws CorruptLogException {
    JsonNode value = node.get(name);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
      throw corrupt("field " + name + " is missing or not an integer");
    }
    return value.asLong();
  }

  private String checksum(long term, int votedFor, long commit) {
    crc.reset();
    StorageJson.updateLong(crc, term);
    StorageJson.updateInt(crc, votedFor);
    StorageJson.updateLong(crc, commit);
    return StorageJson.hex(crc);
  }

  private CorruptLogException corrupt(String problem) {
    return new CorruptLogException(file, CorruptLogException.WHOLE_FILE, file + " is damaged: "
        + problem + ". It holds this node's term and vote, which must not be guessed (the node"
        + " could vote twice in one term): restore this node's data directory from a backup, or"
        + " replace the node: remove it from the cluster (DELETE /v1/members/{id}; cluster.sh"
        + " remove ID) and add a new node with a new id and an empty data directory (POST"
        + " /v1/members, or start it with --join; cluster.sh add NEW_ID).");
  }
}
