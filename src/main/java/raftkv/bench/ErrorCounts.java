package raftkv.bench;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Errors by kind, with the first example of each, updated from any event loop without locks
 * (a kind's first occurrence takes the map's bin lock once; errors are not the hot path anyway).
 */
final class ErrorCounts {

  private static final class Kind {
    final LongAdder count = new LongAdder();
    volatile String example;
  }

  private final ConcurrentHashMap<String, Kind> byKind = new ConcurrentHashMap<>();
  private final LongAdder total = new LongAdder();

  void add(String kind, String example) {
    Kind k = byKind.computeIfAbsent(kind, x -> new Kind());
    k.count.increment();
    if (k.example == null && example != null) k.example = example;
    total.increment();
  }

  long total() {
    return total.sum();
  }

  /** Counts by kind, most frequent first. */
  Map<String, Long> counts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    byKind.entrySet().stream()
        .sorted(Comparator.<Map.Entry<String, Kind>>comparingLong(e -> -e.getValue().count.sum())
            .thenComparing(Map.Entry::getKey))
        .forEach(e -> counts.put(e.getKey(), e.getValue().count.sum()));
    return counts;
  }

  /** The first example seen of each kind that had one. */
  Map<String, String> examples() {
    Map<String, String> examples = new LinkedHashMap<>();
    for (String kind : counts().keySet()) {
      String example = byKind.get(kind).example;
      if (example != null) examples.put(kind, example);
    }
    return examples;
  }
}
