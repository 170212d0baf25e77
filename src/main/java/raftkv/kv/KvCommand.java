package raftkv.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A write to the key-value store, as it travels through the Raft log. The leader's front end
 * builds one from a client request and puts {@link #encode()} into the log as the entry's command;
 * every node {@link #decode(String)}s it back and applies it in log order.
 *
 * <p>A write is to one key ({@link KeyWrite}: a put or a delete, with an optional condition on
 * the key's modification revision) or to a lease ({@link Grant}, {@link Revoke}). Every command
 * may carry a client-chosen request id that makes retries exactly-once.
 */
public sealed interface KvCommand permits KvCommand.KeyWrite, KvCommand.Grant, KvCommand.Revoke {

  /** {@link KeyWrite#prevRevision()} for an unconditional write. */
  long ANY_REVISION = -1;

  /** {@link KeyWrite#prevRevision()} for "only if the key is absent" (its revision is 0). */
  long IF_ABSENT = 0;

  /** {@link Put#lease()} for a key attached to no lease. */
  long NO_LEASE = 0;

  /** The client's request id for exactly-once retries, or {@code null} when there is none. */
  String requestId();

  /** A put or a delete of one key. */
  sealed interface KeyWrite extends KvCommand permits Put, Delete {
    /** The key written; a non-empty, well-formed Unicode string. */
    String key();

    /**
     * The condition: {@link #ANY_REVISION}, {@link #IF_ABSENT}, or the modification revision the
     * key must have for the write to happen.
     */
    long prevRevision();
  }

  /**
   * The compact JSON form stored in the log, for example {@code
   * {"op":"put","key":"a","value":"aGk=","prev":3,"id":"r-1"}}. The value is base64; {@code prev}
   * and {@code id} are left out when they have their defaults.
   */
  default String encode() {
    return KvCommandCodec.encode(this);
  }

  /**
   * A 64-bit hash of what the command asks (the operation, key, condition and value; not the
   * request id), so that a request id reused for a different request is told apart from a retry
   * without keeping the request itself. Deterministic: every node computes the same.
   */
  default long fingerprint() {
    long h = Fingerprint.start();
    if (this instanceof Grant grant) {
      h = Fingerprint.add(h, 'g');
      h = Fingerprint.add(h, grant.ttlMs());
    } else if (this instanceof Revoke revoke) {
      h = Fingerprint.add(h, 'r');
      h = Fingerprint.add(h, revoke.lease());
    } else {
      KeyWrite write = (KeyWrite) this;
      h = Fingerprint.add(h, this instanceof Put ? 'p' : 'd');
      h = Fingerprint.add(h, write.key());
      h = Fingerprint.add(h, write.prevRevision());
      if (this instanceof Put put) {
        h = Fingerprint.add(h, put.value());
        if (put.lease() != NO_LEASE) h = Fingerprint.add(h, put.lease());
      }
    }
    return Fingerprint.finish(h);
  }

  /**
   * Reads a command back from its {@link #encode()}d form.
   *
   * @throws IllegalArgumentException when {@code json} is not a well-formed command, with a message
   *     that says what is wrong
   */
  static KvCommand decode(String json) {
    return KvCommandCodec.decode(json);
  }

  /**
   * Sets {@code key} to {@code value}, attached to {@code lease} ({@link #NO_LEASE}: to none, which
   * also detaches it from a lease it had). The value array is stored as given, not copied: whoever
   * builds a Put hands the array over.
   */
  record Put(String key, byte[] value, long prevRevision, String requestId, long lease)
      implements KeyWrite {

    public Put {
      requireValidKey(key);
      Objects.requireNonNull(value, "value");
      requireValidCondition(prevRevision);
      requireValidRequestId(requestId);
      if (lease < 0) throw new IllegalArgumentException("lease must be >= 0: " + lease);
    }

    /** A put attached to no lease. */
    public Put(String key, byte[] value, long prevRevision, String requestId) {
      this(key, value, prevRevision, requestId, NO_LEASE);
    }

    /** An unconditional put without a request id. */
    public Put(String key, byte[] value) {
      this(key, value, ANY_REVISION, null);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Put that
          && key.equals(that.key)
          && Arrays.equals(value, that.value)
          && prevRevision == that.prevRevision
          && Objects.equals(requestId, that.requestId)
          && lease == that.lease;
    }

    @Override
    public int hashCode() {
      return Objects.hash(key, Arrays.hashCode(value), prevRevision, requestId, lease);
    }

    @Override
    public String toString() {
      return "Put[key=" + key + ", value=" + value.length + " bytes"
          + (lease == NO_LEASE ? "" : ", lease=" + lease)
          + conditionAndIdToString(prevRevision, requestId) + "]";
    }
  }

  /** Removes {@code key}. Deleting an absent key is not an error; it just changes nothing. */
  record Delete(String key, long prevRevision, String requestId) implements KeyWrite {

    public Delete {
      requireValidKey(key);
      requireValidCondition(prevRevision);
      requireValidRequestId(requestId);
    }

    /** An unconditional delete without a request id. */
    public Delete(String key) {
      this(key, ANY_REVISION, null);
    }

    @Override
    public String toString() {
      return "Delete[key=" + key + conditionAndIdToString(prevRevision, requestId) + "]";
    }
  }

  /**
   * Grants a lease that lives {@code ttlMs} unless kept alive. Its id is the index of the entry
   * that grants it, so every node gives it the same one.
   */
  record Grant(long ttlMs, String requestId) implements KvCommand {
    public Grant {
      if (ttlMs < 1) throw new IllegalArgumentException("ttlMs must be >= 1: " + ttlMs);
      requireValidRequestId(requestId);
    }

    @Override
    public String toString() {
      return "Grant[ttlMs=" + ttlMs + conditionAndIdToString(ANY_REVISION, requestId) + "]";
    }
  }

  /**
   * Ends a lease and deletes every key attached to it, in one entry. {@code expired}: the leader
   * proposes it because no keep-alive renewed the lease in time (a client's revoke is false).
   */
  record Revoke(long lease, boolean expired, String requestId) implements KvCommand {
    public Revoke {
      if (lease < 1) throw new IllegalArgumentException("lease must be >= 1: " + lease);
      if (expired && requestId != null) {
        throw new IllegalArgumentException("an expiry is the leader's, without a request id");
      }
      requireValidRequestId(requestId);
    }

    @Override
    public String toString() {
      return (expired ? "Expire[lease=" : "Revoke[lease=") + lease
          + conditionAndIdToString(ANY_REVISION, requestId) + "]";
    }
  }

  private static void requireValidKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) throw new IllegalArgumentException("key must not be empty");
    if (!isWellFormedUnicode(key)) {
      throw new IllegalArgumentException("key has an unpaired surrogate, so it is not UTF-8 text");
    }
  }

  private static void requireValidCondition(long prevRevision) {
    if (prevRevision < ANY_REVISION) {
      throw new IllegalArgumentException(
          "prevRevision must be -1 (any), 0 (absent) or a revision: " + prevRevision);
    }
  }

  private static void requireValidRequestId(String requestId) {
    if (requestId == null) return;
    if (requestId.isEmpty()) throw new IllegalArgumentException("request id must not be empty");
    if (!isWellFormedUnicode(requestId)) {
      throw new IllegalArgumentException("request id has an unpaired surrogate");
    }
  }

  /**
   * Keys and ids are stored as UTF-8 (in snapshots and digests), and a string with an unpaired
   * surrogate has no UTF-8 form: two such keys could collide there.
   */
  private static boolean isWellFormedUnicode(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) return false;
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static String conditionAndIdToString(long prevRevision, String requestId) {
    return (prevRevision == ANY_REVISION ? "" : ", prev=" + prevRevision)
        + (requestId == null ? "" : ", id=" + requestId);
  }
}
