package raftkv.kv;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The first result of each recent request id, which makes a client's retries exactly-once: a
 * command whose id is here is not applied again, it gets the remembered result.
 *
 * <p>The table holds at most {@code capacity} ids and forgets the oldest first, by apply order.
 * Apply order is log order, so every node remembers and forgets the same ids at the same entry. A
 * retry that arrives after its id was forgotten is applied again.
 */
final class RequestDedup {

  private final int capacity;
  /** Insertion order is apply order, so the first entry is the oldest. */
  private final LinkedHashMap<String, KvResult> firstResults = new LinkedHashMap<>();

  RequestDedup(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("request id capacity must be >= 1");
    this.capacity = capacity;
  }

  Optional<KvResult> firstResult(String requestId) {
    return Optional.ofNullable(firstResults.get(requestId));
  }

  /** Remembers the first result of {@code requestId}, forgetting the oldest id when full. */
  void remember(String requestId, KvResult result) {
    KvResult earlier = firstResults.putIfAbsent(requestId, result);
    if (earlier != null) throw new IllegalStateException("request id seen twice: " + requestId);
    if (firstResults.size() > capacity) forgetOldest();
  }

  private void forgetOldest() {
    var oldest = firstResults.entrySet().iterator();
    oldest.next();
    oldest.remove();
  }

  int size() {
    return firstResults.size();
  }

  int capacity() {
    return capacity;
  }

  /** The remembered ids and results, oldest first. */
  Map<String, KvResult> oldestFirst() {
    return Collections.unmodifiableMap(firstResults);
  }
}
