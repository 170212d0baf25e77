package raftkv.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * The first result of each recent request id, which makes a client's retries exactly-once: a
 * command whose id is here is not applied again; it gets the remembered result, or, when the id
 * now comes with a different request, a refusal ({@link KvResult.Status#REQUEST_ID_REUSED}).
 *
 * <p>Each id is remembered for the retention its entry was stamped with ({@link
 * LoggedCommand#keepIdMs()}), counted on the log's clock ({@link KvStateMachine}: the largest
 * leader time stamp applied so far). Both come from the log, so every node forgets the same id at
 * the same entry. Nothing else makes the table forget: there is no count limit here, because
 * dropping a young id would silently break the promise. The leader refuses new ids instead when
 * the table is too big ({@link #bytes()}).
 *
 * <p>Ids sit in two {@link PersistentSortedMap}s, by id and by expiry (ties in the order they
 * were remembered), so forgetting costs O(log n) per id whatever retentions requests ask for, and
 * {@link #view()} is a consistent copy for a snapshot at no cost.
 */
final class RequestDedup {

  /**
   * The retention of an id whose entry carries none: entries written before stamps existed.
   * The default of {@code exactlyOnce.retentionMs}.
   */
  static final long UNSTAMPED_KEEP_MS = 600_000;

  /**
   * What one remembered id costs in memory, roughly: the map and queue entries, this record,
   * the result, and the string's header (its characters are added per id).
   */
  static final int BYTES_PER_ID = 180;

  /** One remembered id. */
  record Remembered(String id, long fingerprint, KvResult result, long keepMs,
      long expiresAtMs) {}

  /** Where an id sits in expiry order: by expiry, then by when it was remembered. */
  record ExpiryKey(long expiresAtMs, long seq) implements Comparable<ExpiryKey> {
    @Override
    public int compareTo(ExpiryKey o) {
      int c = Long.compare(expiresAtMs, o.expiresAtMs);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  /** The table at one moment, for a snapshot: ids in expiry order. */
  record View(PersistentSortedMap<ExpiryKey, Remembered> byExpiry) {}

  private PersistentSortedMap<String, ExpiryKey> byId = PersistentSortedMap.empty();
  private PersistentSortedMap<ExpiryKey, Remembered> byExpiry = PersistentSortedMap.empty();
  private long nextSeq;
  private long bytes;

  Remembered lookup(String requestId) {
    ExpiryKey key = byId.get(requestId);
    return key == null ? null : byExpiry.get(key);
  }

  /** Remembers a new id's first result until {@code nowMs + keepMs} on the log clock. */
  void remember(String requestId, long fingerprint, KvResult result, long keepMs, long nowMs) {
    add(new Remembered(requestId, fingerprint, result, keepMs, saturatedSum(nowMs, keepMs)));
  }

  /** Adds an id (one read back from a snapshot: in the snapshot's order). */
  void add(Remembered remembered) {
    if (byId.get(remembered.id()) != null) {
      throw new IllegalStateException("request id remembered twice: " + remembered.id());
    }
    ExpiryKey key = new ExpiryKey(remembered.expiresAtMs(), nextSeq++);
    byId = byId.put(remembered.id(), key);
    byExpiry = byExpiry.put(key, remembered);
    bytes += cost(remembered.id());
  }

  /** Forgets every id whose retention ended at or before {@code nowMs}. */
  void expire(long nowMs) {
    while (!byExpiry.isEmpty() && byExpiry.firstValue().expiresAtMs() <= nowMs) {
      Remembered gone = byExpiry.firstValue();
      byExpiry = byExpiry.remove(byId.get(gone.id()));
      byId = byId.remove(gone.id());
      bytes -= cost(gone.id());
    }
  }

  /** Adds {@code offsetMs} to every expiry. */
  void rebase(long offsetMs) {
    List<Remembered> all = new ArrayList<>(byExpiry.size());
    for (Remembered r : byExpiry) all.add(r);
    byId = PersistentSortedMap.empty();
    byExpiry = PersistentSortedMap.empty();
    bytes = 0;
    for (Remembered r : all) {
      add(new Remembered(r.id(), r.fingerprint(), r.result(), r.keepMs(),
          saturatedSum(r.expiresAtMs(), offsetMs)));
    }
  }

  /** {@code a + b} for non-negative times, {@link Long#MAX_VALUE} (never) if it overflows. */
  private static long saturatedSum(long a, long b) {
    long sum = a + b;
    return sum < a ? Long.MAX_VALUE : sum;
  }

  int size() {
    return byId.size();
  }

  /** An estimate of the memory the table takes, in bytes ({@link #cost}). */
  long bytes() {
    return bytes;
  }

  /** The estimated memory of remembering {@code requestId}. */
  static long cost(String requestId) {
    return BYTES_PER_ID + 2L * requestId.length();
  }

  /** The remembered ids in expiry order (ties: in the order they were remembered). */
  Iterable<Remembered> inExpiryOrder() {
    return byExpiry;
  }

  View view() {
    return new View(byExpiry);
  }
}
