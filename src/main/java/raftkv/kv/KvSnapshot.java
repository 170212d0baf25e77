package raftkv.kv;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import raftkv.raft.SnapshotMeta;
import raftkv.storage.CorruptSnapshotException;
import raftkv.storage.SnapshotStream;

/**
 * The store as it was at one applied index, which stays the same however the live store goes on
 * changing (its maps are persistent, so taking one costs nothing), and its form on disk: the
 * {@link SnapshotStream} framing with one line per key, in key order, then one per lease, in id
 * order, then one per remembered request id, in expiry order.
 *
 * <pre>
 *   {"key":"a","value":"aGVsbG8=","create":1,"mod":9,"version":2}
 *   {"key":"b","value":"eA==","create":4,"mod":4,"version":1,"lease":3}
 *   {"lease":3,"ttlMs":10000}
 *   {"requestId":"r-1","fingerprint":77,"keepMs":600000,"expiresAtMs":1700000600000,
 *    "result":{"status":"OK","revision":9,"deleted":false}}
 * </pre>
 *
 * Values are base64, as in the log. Writing and reading run on a worker: neither touches the
 * live store.
 */
public final class KvSnapshot {

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength(Integer.MAX_VALUE).build())
      .build();

  private final long appliedIndex;
  private final long revision;
  private final long logClockMs;
  private final PersistentSortedMap<String, KeyValue> keyValues;
  private final PersistentSortedMap<Long, KvStateMachine.Lease> leases;
  private final RequestDedup.View requestIds;

  KvSnapshot(long appliedIndex, long revision, long logClockMs,
      PersistentSortedMap<String, KeyValue> keyValues,
      PersistentSortedMap<Long, KvStateMachine.Lease> leases, RequestDedup.View requestIds) {
    this.appliedIndex = appliedIndex;
    this.revision = revision;
    this.logClockMs = logClockMs;
    this.keyValues = keyValues;
    this.leases = leases;
    this.requestIds = requestIds;
  }

  /** The index of the last entry this state reflects. */
  public long appliedIndex() {
    return appliedIndex;
  }

  public long revision() {
    return revision;
  }

  public int keys() {
    return keyValues.size();
  }

  /**
   * Writes this state as a snapshot that ends at {@code meta} in the log.
   *
   * @return the bytes written
   */
  public long writeTo(OutputStream out, SnapshotMeta meta)
      throws IOException {
    Map<String, Long> counters = new LinkedHashMap<>();
    counters.put("revision", revision);
    counters.put("logClockMs", logClockMs);
    counters.put("keys", (long) keyValues.size());
    counters.put("leases", (long) leases.size());
    counters.put("requestIds", (long) requestIds.byExpiry().size());
    SnapshotStream.Writer writer =
        new SnapshotStream.Writer(out, new SnapshotStream.Header(meta, counters));
    // One generator for every line, flushed after each: a million keys make little garbage
    // (values go out as base64 straight from their bytes), so writing one barely adds to the
    // collector's work while the event loop goes on.
    LineBuffer line = new LineBuffer();
    try (JsonGenerator gen = FACTORY.createGenerator(line)) {
      gen.setRootValueSeparator(null);
      for (KeyValue kv : keyValues) {
        gen.writeStartObject();
        gen.writeStringField("key", kv.key());
        gen.writeBinaryField("value", kv.value());
        gen.writeNumberField("create", kv.createRevision());
        gen.writeNumberField("mod", kv.modRevision());
        gen.writeNumberField("version", kv.version());
        if (kv.lease() != KvCommand.NO_LEASE) gen.writeNumberField("lease", kv.lease());
        gen.writeEndObject();
        emit(gen, line, writer);
      }
      for (KvStateMachine.Lease lease : leases) {
        gen.writeStartObject();
        gen.writeNumberField("lease", lease.id());
        gen.writeNumberField("ttlMs", lease.ttlMs());
        gen.writeEndObject();
        emit(gen, line, writer);
      }
      for (RequestDedup.Remembered id : requestIds.byExpiry()) {
        writeRequestId(gen, id);
        emit(gen, line, writer);
      }
    }
    return writer.finish();
  }

  private static void emit(JsonGenerator gen, LineBuffer line, SnapshotStream.Writer writer)
      throws IOException {
    gen.flush();
    writer.line(line.bytes(), 0, line.size());
    line.reset();
  }

  private static void writeRequestId(JsonGenerator gen, RequestDedup.Remembered id)
      throws IOException {
    gen.writeStartObject();
    gen.writeStringField("requestId", id.id());
    gen.writeNumberField("fingerprint", id.fingerprint());
    gen.writeNumberField("keepMs", id.keepMs());
    gen.writeNumberField("expiresAtMs", id.expiresAtMs());
    KvResult r = id.result();
    gen.writeObjectFieldStart("result");
    gen.writeStringField("status", r.status().name());
    gen.writeNumberField("revision", r.revision());
    gen.writeBooleanField("deleted", r.deleted());
    if (r.error() != null) gen.writeStringField("error", r.error());
    if (r.lease() != 0) {
      gen.writeNumberField("lease", r.lease());
      gen.writeNumberField("ttlMs", r.ttlMs());
      gen.writeNumberField("deletedKeys", r.deletedKeys());
    }
    gen.writeEndObject();
    gen.writeEndObject();
  }

  /** A store read back from a snapshot, and the snapshot's header. */
  public record Loaded(SnapshotStream.Header header, KvStateMachine store) {}

  /**
   * Reads a snapshot back into a new store whose applied index is the snapshot's index.
   *
   * @throws CorruptSnapshotException if it is not an intact snapshot of a store
   */
  public static Loaded readFrom(InputStream in) throws IOException {
    LineDecoder decoder = new LineDecoder();
    SnapshotStream.Header header = SnapshotStream.read(in, decoder);
    long revision = header.counter("revision");
    // snapshots written before leases existed count none
    long leaseCount = header.counters().getOrDefault("leases", 0L);
    if (header.counter("keys") != decoder.keys.size()
        || leaseCount != decoder.leases.size()
        || header.counter("requestIds") != decoder.requestIds.size()) {
      throw new CorruptSnapshotException("the header counts " + header.counter("keys")
          + " keys, " + leaseCount + " leases and " + header.counter("requestIds")
          + " request ids, the body has " + decoder.keys.size() + ", " + decoder.leases.size()
          + " and " + decoder.requestIds.size());
    }
    PersistentSortedMap<String, KeyValue> keyValues = decoder.keys.build();
    PersistentSortedMap<Long, KvStateMachine.Lease> leases = attachKeys(decoder.leases,
        keyValues);
    for (KeyValue kv : keyValues) {
      if (kv.modRevision() > revision) {
        throw new CorruptSnapshotException(kv + " is newer than the store's revision " + revision);
      }
    }
    KvStateMachine store = new KvStateMachine(keyValues, decoder.requestIds, leases, revision,
        header.meta().index(), header.counter("logClockMs"));
    return new Loaded(header, store);
  }

  /** Each lease with the keys that name it; a key naming no lease in the snapshot is damage. */
  private static PersistentSortedMap<Long, KvStateMachine.Lease> attachKeys(
      Map<Long, Long> ttls, PersistentSortedMap<String, KeyValue> keyValues) {
    Map<Long, PersistentSortedMap.Builder<String, String>> keysOf = new LinkedHashMap<>();
    for (Long id : ttls.keySet()) {
      keysOf.put(id, new PersistentSortedMap.Builder<>(Comparator.naturalOrder()));
    }
    for (KeyValue kv : keyValues) {
      if (kv.lease() == KvCommand.NO_LEASE) continue;
      PersistentSortedMap.Builder<String, String> keys = keysOf.get(kv.lease());
      if (keys == null) {
        throw new CorruptSnapshotException(kv + " names lease " + kv.lease()
            + ", which the snapshot does not hold");
      }
      keys.add(kv.key(), kv.key()); // key order: the keys come in key order
    }
    PersistentSortedMap<Long, KvStateMachine.Lease> leases = PersistentSortedMap.empty();
    for (Map.Entry<Long, Long> lease : ttls.entrySet()) {
      leases = leases.put(lease.getKey(), new KvStateMachine.Lease(lease.getKey(),
          lease.getValue(), keysOf.get(lease.getKey()).build()));
    }
    return leases;
  }

  /** Decodes body lines as they stream past: keys (ascending), leases, then request ids. */
  private static final class LineDecoder implements SnapshotStream.LineHandler {
    final PersistentSortedMap.Builder<String, KeyValue> keys =
        new PersistentSortedMap.Builder<>(Comparator.naturalOrder());
    /** Lease id to time to live, in the order read (ascending ids). */
    final Map<Long, Long> leases = new LinkedHashMap<>();
    private long lastLease;
    final RequestDedup requestIds = new RequestDedup();
    private long line;

    @Override
    public void line(byte[] bytes, int offset, int length) {
      line++;
      if (requestIds.size() == 0 && leases.isEmpty()) {
        KeyValue kv = KeyLines.decode(bytes, offset, length);
        if (kv != null) {
          try {
            keys.add(kv.key(), kv);
          } catch (IllegalArgumentException e) { // a damaged key that still decodes
            throw new CorruptSnapshotException("body line " + line + ": " + e.getMessage());
          }
          return;
        }
      }
      try (JsonParser p = FACTORY.createParser(bytes, offset, length)) {
        if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME) {
          throw new IllegalArgumentException("not a JSON object");
        }
        if ("key".equals(p.currentName())) {
          if (requestIds.size() > 0 || !leases.isEmpty()) {
            throw new IllegalArgumentException("a key after leases or request ids");
          }
          KeyValue kv = readKey(p);
          keys.add(kv.key(), kv);
        } else if ("lease".equals(p.currentName())) {
          if (requestIds.size() > 0) throw new IllegalArgumentException("a lease after request ids");
          readLease(p);
        } else if ("requestId".equals(p.currentName())) {
          requestIds.add(readRequestId(p));
        } else {
          throw new IllegalArgumentException("neither a key nor a request id");
        }
        if (p.nextToken() != null) throw new IllegalArgumentException("text after the object");
      } catch (IOException | RuntimeException e) {
        throw new CorruptSnapshotException("body line " + line + " does not decode: "
            + e.getMessage());
      }
    }

    private void readLease(JsonParser p) throws IOException {
      if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) throw new IllegalArgumentException("lease");
      long id = p.getLongValue();
      long ttlMs = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (!"ttlMs".equals(field)) throw new IllegalArgumentException("unknown field " + field);
        ttlMs = p.getLongValue();
      }
      if (id <= lastLease || ttlMs < 1) {
        throw new IllegalArgumentException("lease " + id + " (ttl " + ttlMs + ") is not a valid"
            + " lease in ascending order");
      }
      lastLease = id;
      leases.put(id, ttlMs);
    }

    private static KeyValue readKey(JsonParser p) throws IOException {
      String key = p.nextTextValue();
      byte[] value = null;
      long create = 0;
      long mod = 0;
      long version = 0;
      long lease = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "value" -> value = Base64.getDecoder().decode(p.getText());
          case "create" -> create = p.getLongValue();
          case "mod" -> mod = p.getLongValue();
          case "version" -> version = p.getLongValue();
          case "lease" -> lease = p.getLongValue();
          default -> throw new IllegalArgumentException("unknown field " + field);
        }
      }
      if (key == null || value == null) throw new IllegalArgumentException("key or value missing");
      return new KeyValue(key, value, create, mod, version, lease);
    }

    private static RequestDedup.Remembered readRequestId(JsonParser p) throws IOException {
      String id = p.nextTextValue();
      long fingerprint = 0;
      long keepMs = -1;
      long expiresAtMs = -1;
      KvResult result = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "fingerprint" -> fingerprint = p.getLongValue();
          case "keepMs" -> keepMs = p.getLongValue();
          case "expiresAtMs" -> expiresAtMs = p.getLongValue();
          case "result" -> result = readResult(p);
          default -> throw new IllegalArgumentException("unknown field " + field);
        }
      }
      if (id == null || result == null || keepMs < 0 || expiresAtMs < 0) {
        throw new IllegalArgumentException("request id line incomplete");
      }
      return new RequestDedup.Remembered(id, fingerprint, result, keepMs, expiresAtMs);
    }

    private static KvResult readResult(JsonParser p) throws IOException {
      if (p.currentToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("result");
      KvResult.Status status = null;
      long revision = 0;
      boolean deleted = false;
      String error = null;
      long lease = 0;
      long ttlMs = 0;
      long deletedKeys = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "status" -> status = KvResult.Status.valueOf(p.getText());
          case "revision" -> revision = p.getLongValue();
          case "deleted" -> deleted = p.getBooleanValue();
          case "error" -> error = p.getText();
          case "lease" -> lease = p.getLongValue();
          case "ttlMs" -> ttlMs = p.getLongValue();
          case "deletedKeys" -> deletedKeys = p.getLongValue();
          default -> throw new IllegalArgumentException("unknown result field " + field);
        }
      }
      if (status == null) throw new IllegalArgumentException("result without a status");
      return new KvResult(status, revision, deleted, error, lease, ttlMs, deletedKeys);
    }
  }

  /** A reusable buffer for one line; its array is read directly. */
  private static final class LineBuffer extends ByteArrayOutputStream {
    LineBuffer() {
      super(256);
    }

    byte[] bytes() {
      return buf;
    }
  }

  /** For tests: the snapshot as bytes. */
  public byte[] toBytes(SnapshotMeta meta) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeTo(out, meta);
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory cannot fail", e);
    }
    return out.toByteArray();
  }
}
