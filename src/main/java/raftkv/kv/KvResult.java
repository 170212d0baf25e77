package raftkv.kv;

import java.util.Objects;

/**
 * What applying one log entry did. The front end turns it into the HTTP answer: {@link Status#OK}
 * is a {@code 200}, {@link Status#COMPARE_FAILED} a {@code 412}.
 *
 * @param revision for {@link Status#COMPARE_FAILED}: the key's current modification revision, 0
 *     when the key is absent. For every other status: the store revision after the entry was
 *     applied, which for a successful put is the put's own revision.
 * @param deleted whether a delete removed a key; always false for other commands
 * @param error what was wrong with an {@link Status#INVALID} command; null otherwise
 * @param lease the lease a {@link KvCommand.Grant} granted, or a revoke ended; 0 otherwise
 * @param ttlMs the time to live of a granted lease; 0 otherwise
 * @param deletedKeys how many keys a revoke (or expiry) deleted; 0 otherwise
 */
public record KvResult(Status status, long revision, boolean deleted, String error, long lease,
    long ttlMs, long deletedKeys) {

  /** The kinds of outcome. */
  public enum Status {
    /**
     * The command took effect: a put wrote its value, a delete removed the key or found it absent
     * already ({@link KvResult#deleted()} tells which).
     */
    OK,
    /** The command's prevRevision condition did not hold, so nothing changed. */
    COMPARE_FAILED,
    /** The entry's command could not be decoded, so nothing changed. */
    INVALID,
    /** The entry was a Raft no-op, which changes nothing. */
    NOOP,
    /**
     * The command's request id was used before for a different request (another key, value,
     * operation or condition) and is still remembered: nothing changed. Answered 422.
     */
    REQUEST_ID_REUSED,
    /** The lease a put attaches to, or a revoke ends, does not exist: nothing changed. */
    LEASE_NOT_FOUND
  }

  /** The result of a key write (no lease fields). */
  public KvResult(Status status, long revision, boolean deleted, String error) {
    this(status, revision, deleted, error, 0, 0, 0);
  }

  public KvResult {
    Objects.requireNonNull(status, "status");
    if ((status == Status.INVALID) != (error != null)) {
      throw new IllegalArgumentException("an error text comes with INVALID and only with it");
    }
    if (deleted && status != Status.OK) {
      throw new IllegalArgumentException("only a successful delete deletes");
    }
  }

  /** A put that wrote its value at {@code revision}. */
  public static KvResult put(long revision) {
    return new KvResult(Status.OK, revision, false, null);
  }

  /** A delete that left the store at {@code revision}, having removed a key or not. */
  public static KvResult delete(long revision, boolean deleted) {
    return new KvResult(Status.OK, revision, deleted, null);
  }

  /** A failed comparison against a key whose modification revision is {@code currentRevision}. */
  public static KvResult compareFailed(long currentRevision) {
    return new KvResult(Status.COMPARE_FAILED, currentRevision, false, null);
  }

  /** An entry that holds no valid command; the store stays at {@code revision}. */
  public static KvResult invalid(String error, long revision) {
    return new KvResult(Status.INVALID, revision, false, error);
  }

  /** A Raft no-op entry; the store stays at {@code revision}. */
  public static KvResult noop(long revision) {
    return new KvResult(Status.NOOP, revision, false, null);
  }

  /** A request id that already stood for another request; the store stays at {@code revision}. */
  public static KvResult requestIdReused(long revision) {
    return new KvResult(Status.REQUEST_ID_REUSED, revision, false, null);
  }

  /** A lease granted, with the store at {@code revision}. */
  public static KvResult granted(long revision, long lease, long ttlMs) {
    return new KvResult(Status.OK, revision, false, null, lease, ttlMs, 0);
  }

  /** A lease ended, its {@code deletedKeys} keys deleted, leaving the store at {@code revision}. */
  public static KvResult revoked(long revision, long lease, long deletedKeys) {
    return new KvResult(Status.OK, revision, false, null, lease, 0, deletedKeys);
  }

  /** No lease {@code lease}; the store stays at {@code revision}. */
  public static KvResult leaseNotFound(long revision, long lease) {
    return new KvResult(Status.LEASE_NOT_FOUND, revision, false, null, lease, 0, 0);
  }

  public boolean isOk() {
    return status == Status.OK;
  }

  @Override
  public String toString() {
    return switch (status) {
      case OK -> "OK rev=" + revision + (deleted ? " deleted" : "")
          + (lease == 0 ? "" : " lease=" + lease + (ttlMs == 0 ? "" : " ttl=" + ttlMs)
              + (deletedKeys == 0 ? "" : " deletedKeys=" + deletedKeys));
      case LEASE_NOT_FOUND -> "LEASE_NOT_FOUND lease=" + lease + " rev=" + revision;
      case COMPARE_FAILED -> "COMPARE_FAILED current=" + revision;
      case INVALID -> "INVALID rev=" + revision + ": " + error;
      case NOOP -> "NOOP rev=" + revision;
      case REQUEST_ID_REUSED -> "REQUEST_ID_REUSED rev=" + revision;
    };
  }
}
