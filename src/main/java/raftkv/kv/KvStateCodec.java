package raftkv.kv;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The canonical binary form of a store's logical content, which {@link KvStateMachine#digest()}
 * hashes. Every string and byte array is length-prefixed, so two different contents never write
 * the same bytes.
 *
 * <p>The content is: the store revision; the keys in key order, each with its value and
 * revisions; the leases in id order, each with its time to live (a key names its lease); the log
 * clock; and the request id table in expiry order, each id with its request's
 * fingerprint, its retention, when it expires, and its first result.
 */
final class KvStateCodec {

  private KvStateCodec() {}

  /** SHA-256, in hex, of the content. */
  static String digest(long revision, PersistentSortedMap<String, KeyValue> keyValues,
      PersistentSortedMap<Long, KvStateMachine.Lease> leases, long logClockMs,
      RequestDedup requestIds) {
    MessageDigest sha256 = sha256();
    OutputStream hashing = new DigestOutputStream(OutputStream.nullOutputStream(), sha256);
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(hashing))) {
      writeContent(revision, keyValues, leases, logClockMs, requestIds, out);
    } catch (IOException e) {
      throw new UncheckedIOException("hashing in memory cannot fail", e);
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  static void writeContent(
      long revision,
      PersistentSortedMap<String, KeyValue> keyValues,
      PersistentSortedMap<Long, KvStateMachine.Lease> leases,
      long logClockMs,
      RequestDedup requestIds,
      DataOutputStream out)
      throws IOException {
    out.writeLong(revision);
    out.writeInt(keyValues.size());
    for (KeyValue keyValue : keyValues) writeKeyValue(keyValue, out);
    // What leases added is hashed only when present, tagged, so that a store without leases
    // has the digest it had before they existed (nodes of both versions compare equal).
    if (leases.size() > 0) {
      out.writeByte('L');
      out.writeInt(leases.size());
      for (KvStateMachine.Lease lease : leases) {
        out.writeLong(lease.id());
        out.writeLong(lease.ttlMs());
      }
    }
    out.writeLong(logClockMs);
    out.writeInt(requestIds.size());
    for (RequestDedup.Remembered id : requestIds.inExpiryOrder()) {
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
    if (keyValue.lease() != 0) {
      out.writeByte('L');
      out.writeLong(keyValue.lease());
    }
  }

  private static void writeResult(KvResult result, DataOutputStream out) throws IOException {
    // By name, not ordinal, so that reordering the enum cannot change what the bytes mean.
    writeString(result.status().name(), out);
    out.writeLong(result.revision());
    out.writeBoolean(result.deleted());
    out.writeBoolean(result.error() != null);
    if (result.error() != null) writeString(result.error(), out);
    if (result.lease() != 0) {
      out.writeByte('L');
      out.writeLong(result.lease());
      out.writeLong(result.ttlMs());
      out.writeLong(result.deletedKeys());
    }
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
