package raftkv.kv;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Grant;
import raftkv.kv.KvCommand.Put;
import raftkv.kv.KvCommand.Revoke;
import raftkv.raft.Entry;
import raftkv.raft.Membership;

/**
 * The key-value store that every node builds by applying the committed log, entry by entry, in
 * index order. It is deterministic: the same entries give the same state and the same results on
 * every node, which is what makes the replicas agree.
 *
 * <p>Like etcd, the store has one revision counter that every successful write (a put, or a delete
 * that removed a key) raises by one; each key remembers the revisions that created it and last
 * modified it. Failed comparisons, deletes of absent keys, no-ops and invalid entries take no
 * revision.
 *
 * <p>Leases are part of the state too: a grant entry creates one (its id is the entry's index),
 * a put may attach its key to one, and a revoke entry (a client's, or the leader's expiry) deletes
 * every key attached, each deletion with its own revision. When a lease ends is the leader's to
 * decide (the node's lease keeper); here it only ends when an entry says so.
 *
 * <p>An {@link KvObserver} hears every change as it is applied, for watchers.
 *
 * <p>Keys are ordered by {@link String#compareTo}, that is by UTF-16 code unit. This equals
 * Unicode code point order (and UTF-8 byte order, which etcd uses) except that characters above
 * U+FFFF sort before U+E000..U+FFFF.
 *
 * <p>Not thread-safe: it belongs to the node's event loop, like everything else the node mutates.
 */
public final class KvStateMachine {

  private static final Logger log = LoggerFactory.getLogger(KvStateMachine.class);

  /** Persistent, so that {@link #snapshotView()} is free: see {@link PersistentSortedMap}. */
  private PersistentSortedMap<String, KeyValue> keyValues;
  private final RequestDedup requestIds;
  /** The leases that exist, by id, each with the keys attached to it. */
  private PersistentSortedMap<Long, Lease> leases;
  private KvObserver observer = KvObserver.NONE;
  /** The store revision: how many successful writes have been applied. */
  private long revision;
  /** The index of the last applied entry. Invariant: entries apply at appliedIndex + 1 only. */
  private long appliedIndex;
  /**
   * The log's clock: the largest leader time stamp applied so far (milliseconds since the epoch).
   * It never goes back, even when a new leader's clock is behind the old one's.
   */
  private long logClockMs;

  /** An empty store. */
  public KvStateMachine() {
    this(PersistentSortedMap.empty(), new RequestDedup(), PersistentSortedMap.empty(), 0, 0, 0);
  }

  KvStateMachine(
      PersistentSortedMap<String, KeyValue> keyValues,
      RequestDedup requestIds,
      PersistentSortedMap<Long, Lease> leases,
      long revision,
      long appliedIndex,
      long logClockMs) {
    this.keyValues = keyValues;
    this.requestIds = requestIds;
    this.leases = leases;
    this.revision = revision;
    this.appliedIndex = appliedIndex;
    this.logClockMs = logClockMs;
  }

  /**
   * One lease: its time to live, and the keys attached to it (a persistent set, as a map from key
   * to key, so that a snapshot's view of it costs nothing).
   */
  record Lease(long id, long ttlMs, PersistentSortedMap<String, String> keys) {
    Lease withKey(String key) {
      return new Lease(id, ttlMs, keys.put(key, key));
    }

    Lease withoutKey(String key) {
      return new Lease(id, ttlMs, keys.remove(key));
    }
  }

  /** What a lease is: its time to live and its keys (the first {@code limit} in key order). */
  public record LeaseInfo(long id, long ttlMs, int keyCount, List<String> keys) {}

  /** Who hears the changes from now on ({@link KvObserver#NONE}: nobody). */
  public void observe(KvObserver observer) {
    this.observer = Objects.requireNonNull(observer, "observer");
  }

  /**
   * Applies the next committed entry and says what it did. A no-op entry, and an entry whose
   * command cannot be decoded, only advance {@link #appliedIndex()}: an undecodable command is
   * logged and answered {@link KvResult.Status#INVALID} on every node alike, rather than stopping
   * the node.
   *
   * @throws IllegalStateException when {@code entry} is not the one after {@link #appliedIndex()}
   */
  public KvResult apply(Entry entry) {
    if (entry.index() != appliedIndex + 1) {
      throw new IllegalStateException(
          "entry " + entry + " applied out of order: the last applied index is " + appliedIndex);
    }
    // a configuration entry changes the cluster, not the store
    KvResult result = entry.isNoop() || Membership.isMembership(entry.command())
        ? KvResult.noop(revision) : applyCommandOf(entry);
    appliedIndex = entry.index();
    return result;
  }

  private KvResult applyCommandOf(Entry entry) {
    LoggedCommand logged;
    try {
      logged = LoggedCommand.decode(entry.command());
    } catch (IllegalArgumentException e) {
      log.warn(
          "Entry {} (term {}) changes nothing: {}. The command: {}",
          entry.index(), entry.term(), e.getMessage(), abbreviate(entry.command()));
      return KvResult.invalid(e.getMessage(), revision);
    }
    if (logClockMs == 0 && logged.timeMs() > 0) {
      // the first stamp in a log written before stamps existed: ids remembered until now had
      // no time to count from; they count from here
      requestIds.rebase(logged.timeMs());
    }
    logClockMs = Math.max(logClockMs, logged.timeMs());
    requestIds.expire(logClockMs);
    return logged.isClock() ? KvResult.noop(revision) : applyAtMostOnce(logged, entry);
  }

  private static String abbreviate(String command) {
    return command.length() <= 200 ? command : command.substring(0, 200) + "...";
  }

  /**
   * A command whose request id is remembered is not applied: a retry of the same request gets the
   * first result, another request with that id a refusal. A new id is remembered with its result.
   */
  private KvResult applyAtMostOnce(LoggedCommand logged, Entry entry) {
    KvCommand command = logged.command();
    String requestId = command.requestId();
    if (requestId == null) return execute(command, entry);
    long fingerprint = command.fingerprint();
    RequestDedup.Remembered seen = requestIds.lookup(requestId);
    if (seen != null) {
      return seen.fingerprint() == fingerprint
          ? seen.result()
          : KvResult.requestIdReused(revision);
    }
    KvResult result = execute(command, entry);
    long keep = logged.keepIdMs() > 0 ? logged.keepIdMs() : RequestDedup.UNSTAMPED_KEEP_MS;
    requestIds.remember(requestId, fingerprint, result, keep, logClockMs);
    return result;
  }

  private KvResult execute(KvCommand command, Entry entry) {
    if (command instanceof Put put) return put(put);
    if (command instanceof Delete delete) return delete(delete);
    if (command instanceof Grant grant) return grant(grant, entry);
    return revoke((Revoke) command);
  }

  private KvResult put(Put put) {
    if (put.lease() != KvCommand.NO_LEASE && leases.get(put.lease()) == null) {
      return KvResult.leaseNotFound(revision, put.lease());
    }
    KeyValue current = keyValues.get(put.key());
    if (!conditionHolds(put.prevRevision(), current)) return compareFailed(current);
    revision++;
    KeyValue now = current == null ? created(put, revision) : updated(current, put, revision);
    keyValues = keyValues.put(put.key(), now);
    long before = current == null ? KvCommand.NO_LEASE : current.lease();
    if (before != put.lease()) {
      if (before != KvCommand.NO_LEASE) detach(put.key(), before);
      if (put.lease() != KvCommand.NO_LEASE) {
        leases = leases.put(put.lease(), leases.get(put.lease()).withKey(put.key()));
      }
    }
    observer.changed(KvEvent.put(now, modRevisionOf(current)));
    return KvResult.put(revision);
  }

  private KvResult delete(Delete delete) {
    KeyValue current = keyValues.get(delete.key());
    if (!conditionHolds(delete.prevRevision(), current)) return compareFailed(current);
    if (current == null) return KvResult.delete(revision, false);
    remove(current);
    return KvResult.delete(revision, true);
  }

  /** Deletes a key that is present, with a revision of its own. */
  private void remove(KeyValue current) {
    revision++;
    keyValues = keyValues.remove(current.key());
    if (current.lease() != KvCommand.NO_LEASE) detach(current.key(), current.lease());
    observer.changed(KvEvent.delete(current, revision));
  }

  private void detach(String key, long leaseId) {
    Lease lease = leases.get(leaseId);
    if (lease != null) leases = leases.put(leaseId, lease.withoutKey(key));
  }

  /** A new lease, whose id is its entry's index: unique, and the same on every node. */
  private KvResult grant(Grant grant, Entry entry) {
    long id = entry.index();
    leases = leases.put(id, new Lease(id, grant.ttlMs(), PersistentSortedMap.empty()));
    observer.leaseGranted(id, grant.ttlMs(), entry.term());
    return KvResult.granted(revision, id, grant.ttlMs());
  }

  /** Ends a lease: its keys are deleted in key order, each with a revision of its own. */
  private KvResult revoke(Revoke revoke) {
    Lease lease = leases.get(revoke.lease());
    if (lease == null) return KvResult.leaseNotFound(revision, revoke.lease());
    long deleted = 0;
    for (String key : lease.keys()) {
      KeyValue current = keyValues.get(key);
      if (current != null && current.lease() == lease.id()) {
        remove(current);
        deleted++;
      }
    }
    leases = leases.remove(lease.id());
    observer.leaseEnded(lease.id(), revoke.expired());
    return KvResult.revoked(revision, lease.id(), deleted);
  }

  /** An absent key has modification revision 0, so {@link KvCommand#IF_ABSENT} needs no case. */
  private static boolean conditionHolds(long prevRevision, KeyValue current) {
    return prevRevision == KvCommand.ANY_REVISION || prevRevision == modRevisionOf(current);
  }

  private static KvResult compareFailed(KeyValue current) {
    return KvResult.compareFailed(modRevisionOf(current));
  }

  private static long modRevisionOf(KeyValue keyValue) {
    return keyValue == null ? 0 : keyValue.modRevision();
  }

  private static KeyValue created(Put put, long revision) {
    return new KeyValue(put.key(), put.value(), revision, revision, 1, put.lease());
  }

  private static KeyValue updated(KeyValue current, Put put, long revision) {
    return new KeyValue(
        put.key(), put.value(), current.createRevision(), revision, current.version() + 1,
        put.lease());
  }

  /** The key's current value and revisions, if it is present. */
  public Optional<KeyValue> get(String key) {
    return Optional.ofNullable(keyValues.get(Objects.requireNonNull(key, "key")));
  }

  /**
   * Up to {@code limit} keys that start with {@code prefix}, in key order (see the class comment).
   * The empty prefix lists every key. Costs O(log n + limit).
   */
  public List<KeyValue> range(String prefix, int limit) {
    return page(prefix, null, limit, Long.MAX_VALUE, false).keyValues();
  }

  /**
   * One page of a listing: the keys that start with {@code prefix} and sort after {@code after}
   * (null: from the first), in key order, at most {@code limit} of them, and no more once their
   * keys (and, with {@code countValues}, values) reach {@code maxBytes}, but always at least one.
   * Costs O(log n + the page), however large the store or its values.
   */
  public Page page(String prefix, String after, int limit, long maxBytes, boolean countValues) {
    Objects.requireNonNull(prefix, "prefix");
    if (limit < 1) throw new IllegalArgumentException("limit must be >= 1: " + limit);
    String from = after != null && after.compareTo(prefix) > 0 ? after : prefix;
    List<KeyValue> found = new ArrayList<>(Math.min(limit, 64));
    long bytes = 0;
    for (Iterator<KeyValue> it = keyValues.valuesFrom(from); it.hasNext(); ) {
      KeyValue next = it.next();
      if (!next.key().startsWith(prefix)) break;
      if (next.key().equals(after)) continue;
      if (found.size() == limit || (!found.isEmpty() && bytes >= maxBytes)) {
        return new Page(Collections.unmodifiableList(found), true);
      }
      found.add(next);
      bytes += next.key().length() + (countValues ? next.value().length : 0);
    }
    return new Page(Collections.unmodifiableList(found), false);
  }

  /** A page of a listing; {@code more}: keys with the prefix remain after the last one. */
  public record Page(List<KeyValue> keyValues, boolean more) {}

  /** The lease {@code id}, with the first {@code keyLimit} of its keys, if it exists. */
  public Optional<LeaseInfo> lease(long id, int keyLimit) {
    Lease lease = leases.get(id);
    if (lease == null) return Optional.empty();
    List<String> keys = new ArrayList<>(Math.min(keyLimit, lease.keys().size()));
    for (String key : lease.keys()) {
      if (keys.size() == keyLimit) break;
      keys.add(key);
    }
    return Optional.of(new LeaseInfo(id, lease.ttlMs(), lease.keys().size(),
        Collections.unmodifiableList(keys)));
  }

  /** Whether lease {@code id} exists. */
  public boolean hasLease(long id) {
    return leases.get(id) != null;
  }

  /** Every lease's id and time to live, in id order: for a new leader to start their clocks. */
  public List<LeaseInfo> leases() {
    List<LeaseInfo> all = new ArrayList<>(leases.size());
    for (Lease lease : leases) {
      all.add(new LeaseInfo(lease.id(), lease.ttlMs(), lease.keys().size(), List.of()));
    }
    return all;
  }

  /** How many leases exist. */
  public int leaseCount() {
    return leases.size();
  }

  /** The store revision: the number of successful writes applied so far. */
  public long revision() {
    return revision;
  }

  /** The index of the last entry applied, 0 before the first. */
  public long appliedIndex() {
    return appliedIndex;
  }

  /** The number of keys present. */
  public int size() {
    return keyValues.size();
  }

  /** How many request ids are remembered right now. */
  public int requestIdCount() {
    return requestIds.size();
  }

  /** Roughly how much memory the remembered request ids take, in bytes. */
  public long requestIdBytes() {
    return requestIds.bytes();
  }

  /** Whether {@code requestId} is remembered: a request carrying it will not be applied again. */
  public boolean remembersRequestId(String requestId) {
    return requestIds.lookup(requestId) != null;
  }

  /** The log's clock: the largest leader time stamp applied so far, in ms since the epoch. */
  public long logClockMs() {
    return logClockMs;
  }

  /**
   * A hash (SHA-256, hex) of the store's logical content: the revision, every key with its value
   * and revisions, and the table of remembered request ids with their first results. Two nodes
   * that applied the same log have the same digest, whatever their applied index: a no-op entry
   * changes nothing. The request ids are included because they decide how a retry is answered, so
   * two nodes whose tables differ would answer the same entry differently.
   *
   * <p>Costs O(size of the store): for checks and tests, not for every entry.
   */
  public String digest() {
    return KvStateCodec.digest(revision, keyValues, leases, logClockMs, requestIds);
  }

  /**
   * The store as it is now, unchanged by whatever is applied later: a snapshot to write out on
   * another thread. Costs O(1): the maps are persistent.
   */
  public KvSnapshot snapshotView() {
    return new KvSnapshot(appliedIndex, revision, logClockMs, keyValues, leases,
        requestIds.view());
  }

  @Override
  public String toString() {
    return "KvStateMachine[applied=" + appliedIndex + " rev=" + revision + " keys=" + size()
        + " leases=" + leases.size()
        + " clock=" + logClockMs
        + " requestIds=" + requestIds.size() + "]";
  }
}
