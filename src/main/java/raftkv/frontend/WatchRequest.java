package raftkv.frontend;

/**
 * A parsed {@code GET /v1/watch}: {@code key=K} or {@code prefix=P}, from {@code fromRevision}
 * (or, from a reconnecting browser, {@code Last-Event-ID} + 1); {@code fromRevision} 0 means
 * "from the next change".
 *
 * @param key the one key watched, or null
 * @param prefix the prefix watched (empty: every key), or null
 */
public record WatchRequest(String key, String prefix, long fromRevision) {

  /** The query a gateway sends on to a member, resuming at {@code from} (0: not given). */
  public String query(long from) {
    return (key != null ? "key=" + PercentEncoder.encodeKey(key)
        : "prefix=" + PercentEncoder.encodeKey(prefix))
        + (from > 0 ? "&fromRevision=" + from : "");
  }
}
