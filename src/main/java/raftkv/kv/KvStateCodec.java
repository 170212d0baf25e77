package raftkv.kv;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The canonical binary form of a store's logical content, which {@link KvStateMachine#digest()}
 * hashes and snapshots carry. Every string and byte array is length-prefixed, so two different
 * contents never write the same bytes.
 *
 * <p>The content is: the store revision; the keys in key order, each with its value and
 * revisions; the log clock; and the request id table in apply order, each id with its request's
 * fingerprint, its retention, when it expires, and its first result.
 *
 * <p>A snapshot is: {@link #MAGIC}, {@link #FORMAT_VERSION}, the applied index, the content, and
 * a CRC32C of everything before it.
 */
final class KvStateCodec {

  /** "RKVS": a raftkv KV snapshot. */
  static final int MAGIC = 0x524B5653;

  /** 2: request ids carry a fingerprint and an expiry on the log clock, which is stored too. */
  static final int FORMAT_VERSION = 2;

  private static final int CRC_BYTES = Integer.BYTES;

  private KvStateCodec() {}

  static byte[] snapshot(
      long appliedIndex,
      long revision,
      NavigableMap<String, KeyValue> keyValues,
      long logClockMs,
      RequestDedup requestIds) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CRC32C crc = new CRC32C();
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(bytes, crc)))) {
      out.writeInt(MAGIC);
      out.writeInt(FORMAT_VERSION);
      out.writeLong(appliedIndex);
      writeContent(revision, keyValues, logClockMs, requestIds, out);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    bytes.writeBytes(ByteBuffer.allocate(CRC_BYTES).putInt((int) crc.getValue()).array());
    return bytes.toByteArray();
  }

  /**
   * Rebuilds the store a {@link #snapshot} describes.
   *
   * @throws IllegalArgumentException when the bytes are not an intact snapshot
   */
  static KvStateMachine restore(byte[] snapshot) {
    RequestDedup requestIds = new RequestDedup();
    try {
      return read(snapshot, requestIds);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an intact KV snapshot: " + e.getMessage(), e);
    }
  }

  private static KvStateMachine read(byte[] snapshot, RequestDedup requestIds) {
    requireIntact(snapshot);
    DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(snapshot, 0, snapshot.length - CRC_BYTES));
    try {
      requireHeader(in);
      long appliedIndex = readNonNegative(in, "applied index");
      long revision = readNonNegative(in, "revision");
      TreeMap<String, KeyValue> keyValues = readKeyValues(in, revision);
      long logClockMs = readNonNegative(in, "log clock");
      readRequestIds(in, requestIds);
      if (in.available() > 0) throw corrupt(in.available() + " bytes after the content");
      return new KvStateMachine(keyValues, requestIds, revision, appliedIndex, logClockMs);
    } catch (EOFException e) {
      throw corrupt("it ends too early");
    } catch (IOException e) {
      throw new UncheckedIOException("reading from memory cannot fail", e);
    }
  }

  private static void requireIntact(byte[] snapshot) {
    if (snapshot.length < 2 * Integer.BYTES + CRC_BYTES) throw corrupt("it is too short");
    CRC32C crc = new CRC32C();
    crc.update(snapshot, 0, snapshot.length - CRC_BYTES);
    int expected = ByteBuffer.wrap(snapshot, snapshot.length - CRC_BYTES, CRC_BYTES).getInt();
    if ((int) crc.getValue() != expected) throw corrupt("its checksum does not match");
  }

  private static void requireHeader(DataInputStream in) throws IOException {
    int magic = in.readInt();
    if (magic != MAGIC) throw corrupt("it does not start with the KV snapshot magic number");
    int version = in.readInt();
    if (version != FORMAT_VERSION) throw corrupt("unknown format version " + version);
  }

  private static TreeMap<String, KeyValue> readKeyValues(DataInputStream in, long revision)
      throws IOException {
    TreeMap<String, KeyValue> keyValues = new TreeMap<>();
    for (int count = readCount(in); count > 0; count--) {
      KeyValue keyValue =
          new KeyValue(readString(in), readBytes(in), in.readLong(), in.readLong(), in.readLong());
      if (keyValue.modRevision() > revision) throw corrupt(keyValue + " is newer than the store");
      if (keyValues.put(keyValue.key(), keyValue) != null) {
        throw corrupt("key " + keyValue.key() + " appears twice");
      }
    }
    return keyValues;
  }

  /** In apply order, as written, so that each retention's queue is in expiry order again. */
  private static void readRequestIds(DataInputStream in, RequestDedup requestIds)
      throws IOException {
    for (int count = readCount(in); count > 0; count--) {
      String requestId = readString(in);
      if (requestIds.lookup(requestId) != null) {
        throw corrupt("request id " + requestId + " appears twice");
      }
      long fingerprint = in.readLong();
      long keepMs = readNonNegative(in, "retention");
      long expiresAtMs = readNonNegative(in, "expiry");
      requestIds.add(new RequestDedup.Remembered(requestId, fingerprint, readResult(in), keepMs,
          expiresAtMs));
    }
  }

  private static KvResult readResult(DataInputStream in) throws IOException {
    KvResult.Status status = KvResult.Status.valueOf(readString(in));
    long revision = in.readLong();
    boolean deleted = in.readBoolean();
    String error = in.readBoolean() ? readString(in) : null;
    return new KvResult(status, revision, deleted, error);
  }

  private static long readNonNegative(DataInputStream in, String what) throws IOException {
    long value = in.readLong();
    if (value < 0) throw corrupt("negative " + what + " " + value);
    return value;
  }

  private static int readCount(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0) throw corrupt("negative count " + count);
    return count;
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(readBytes(in), StandardCharsets.UTF_8);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    // Checked before allocating, so a damaged length cannot ask for gigabytes.
    if (length < 0 || length > in.available()) throw corrupt("bad length " + length);
    return in.readNBytes(length);
  }

  private static IllegalArgumentException corrupt(String why) {
    return new IllegalArgumentException(why);
  }

  /** SHA-256, in hex, of the content. */
  static String digest(long revision, NavigableMap<String, KeyValue> keyValues, long logClockMs,
      RequestDedup requestIds) {
    MessageDigest sha256 = sha256();
    OutputStream hashing = new DigestOutputStream(OutputStream.nullOutputStream(), sha256);
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(hashing))) {
      writeContent(revision, keyValues, logClockMs, requestIds, out);
    } catch (IOException e) {
      throw new UncheckedIOException("hashing in memory cannot fail", e);
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  static void writeContent(
      long revision,
      NavigableMap<String, KeyValue> keyValues,
      long logClockMs,
      RequestDedup requestIds,
      DataOutputStream out)
      throws IOException {
    out.writeLong(revision);
    out.writeInt(keyValues.size());
    for (KeyValue keyValue : keyValues.values()) writeKeyValue(keyValue, out);
    out.writeLong(logClockMs);
    out.writeInt(requestIds.size());
    for (RequestDedup.Remembered id : requestIds.oldestFirst()) {
      writeString(id.id(), out);
      out.writeLong(id.fingerprint());
      out.writeLong(id.keepMs());
      out.writeLong(id.expiresAtMs());
      writeResult(id.result(), out);
    }
  }

  private static void writeKeyValue(KeyValue keyValue, DataOutputStream out) throws IOException {
    writeString(keyValue.key(), out);
    writeBytes(keyValue.value(), out);
    out.writeLong(keyValue.createRevision());
    out.writeLong(keyValue.modRevision());
    out.writeLong(keyValue.version());
  }

  private static void writeResult(KvResult result, DataOutputStream out) throws IOException {
    // By name, not ordinal, so that reordering the enum cannot change what the bytes mean.
    writeString(result.status().name(), out);
    out.writeLong(result.revision());
    out.writeBoolean(result.deleted());
    out.writeBoolean(result.error() != null);
    if (result.error() != null) writeString(result.error(), out);
  }

  private static void writeString(String s, DataOutputStream out) throws IOException {
    writeBytes(s.getBytes(StandardCharsets.UTF_8), out);
  }

  private static void writeBytes(byte[] bytes, DataOutputStream out) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
