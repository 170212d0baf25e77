package raftkv.kv;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

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
 * <p>Ids sit in a map in apply order (the order snapshots keep) and in a priority queue by
 * expiry. Whatever retentions requests ask for, forgetting costs O(log n) per id.
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

  private final LinkedHashMap<String, Remembered> byId = new LinkedHashMap<>();
  private final PriorityQueue<Remembered> byExpiry =
      new PriorityQueue<>(Comparator.comparingLong(Remembered::expiresAtMs));
  private long bytes;

  Remembered lookup(String requestId) {
    return byId.get(requestId);
  }

  /** Remembers a new id's first result until {@code nowMs + keepMs} on the log clock. */
  void remember(String requestId, long fingerprint, KvResult result, long keepMs, long nowMs) {
    add(new Remembered(requestId, fingerprint, result, keepMs, saturatedSum(nowMs, keepMs)));
  }

  /** Adds an id read back from a snapshot; call in the snapshot's (apply) order. */
  void add(Remembered remembered) {
    Remembered earlier = byId.putIfAbsent(remembered.id(), remembered);
    if (earlier != null) {
      throw new IllegalStateException("request id remembered twice: " + remembered.id());
    }
    byExpiry.add(remembered);
    bytes += cost(remembered.id());
  }

  /** Forgets every id whose retention ended at or before {@code nowMs}. */
  void expire(long nowMs) {
    while (!byExpiry.isEmpty() && byExpiry.peek().expiresAtMs() <= nowMs) {
      Remembered gone = byExpiry.poll();
      byId.remove(gone.id());
      bytes -= cost(gone.id());
    }
  }

  /** Adds {@code offsetMs} to every expiry. */
  void rebase(long offsetMs) {
    List<Remembered> all = new ArrayList<>(byId.values());
    byId.clear();
    byExpiry.clear();
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

  /** The remembered ids in apply order, oldest first. */
  Collection<Remembered> oldestFirst() {
    return Collections.unmodifiableCollection(byId.values());
  }

  Map<String, Remembered> asMap() {
    return Collections.unmodifiableMap(byId);
  }
}
