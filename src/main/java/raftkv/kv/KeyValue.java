package raftkv.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * One key as the store holds it, with etcd's three counters.
 *
 * <p>The value array is shared with the store, not copied, because reads are on every node's hot
 * path: treat it as read-only.
 *
 * @param createRevision the store revision of the put that created the key (kept across updates;
 *     a delete and a later put start over)
 * @param modRevision the store revision of the key's latest put
 * @param version how many puts the key has had since it was created (1 after creation)
 * @param lease the lease the key is attached to (deleted when it ends); 0 for none
 */
public record KeyValue(
    String key, byte[] value, long createRevision, long modRevision, long version, long lease) {

  /** A key attached to no lease. */
  public KeyValue(String key, byte[] value, long createRevision, long modRevision, long version) {
    this(key, value, createRevision, modRevision, version, KvCommand.NO_LEASE);
  }

  public KeyValue {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (createRevision < 1 || modRevision < createRevision || version < 1) {
      throw new IllegalArgumentException(
          "inconsistent revisions for " + key + ": create=" + createRevision
              + " mod=" + modRevision + " version=" + version);
    }
    if (lease < 0) throw new IllegalArgumentException("negative lease for " + key + ": " + lease);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof KeyValue that
        && key.equals(that.key)
        && Arrays.equals(value, that.value)
        && createRevision == that.createRevision
        && modRevision == that.modRevision
        && version == that.version
        && lease == that.lease;
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, Arrays.hashCode(value), createRevision, modRevision, version, lease);
  }

  @Override
  public String toString() {
    return key + "=" + value.length + " bytes (create=" + createRevision + " mod=" + modRevision
        + " version=" + version + (lease == 0 ? "" : " lease=" + lease) + ")";
  }
}
