package raftkv.kv;

import java.util.Objects;

/**
 * One change to the store, as watchers see it: a put, or a delete that removed a key (by a
 * client, or because the key's lease ended). Every change has its own store revision, one more
 * than the change before it, on every node alike.
 *
 * @param value the value put; empty for a delete. Shared with the store: treat it as read-only
 * @param revision the store revision of this change
 * @param prevRevision the key's modification revision just before it: 0 when it was absent
 * @param lease the lease the key is attached to after a put, or was attached to before a
 *     delete; 0 for none
 */
public record KvEvent(Type type, String key, byte[] value, long revision, long prevRevision,
    long lease) {

  /** The kinds of change. */
  public enum Type { PUT, DELETE }

  private static final byte[] NOTHING = new byte[0];

  public KvEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (revision < 1) throw new IllegalArgumentException("revision must be >= 1: " + revision);
  }

  static KvEvent put(KeyValue now, long prevRevision) {
    return new KvEvent(Type.PUT, now.key(), now.value(), now.modRevision(), prevRevision,
        now.lease());
  }

  static KvEvent delete(KeyValue gone, long revision) {
    return new KvEvent(Type.DELETE, gone.key(), NOTHING, revision, gone.modRevision(),
        gone.lease());
  }

  /** Roughly what the event holds in memory, in bytes, for bounding a history of them. */
  public long sizeBytes() {
    return 64L + 2L * key.length() + value.length;
  }

  @Override
  public String toString() {
    return type + " " + key + " @" + revision + " (prev " + prevRevision
        + (lease == 0 ? "" : ", lease " + lease) + ", " + value.length + " bytes)";
  }
}
