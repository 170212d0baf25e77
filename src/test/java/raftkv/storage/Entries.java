package raftkv.storage;

import java.util.ArrayList;
import java.util.List;
import raftkv.raft.Entry;

/** Test entries with recognizable commands. */
final class Entries {

  private Entries() {}

  /** Entries {@code from..to} (inclusive) of one term; commands say where they came from. */
  static List<Entry> range(long from, long to, long term) {
    List<Entry> list = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      list.add(new Entry(i, term, "set k" + i + " t" + term));
    }
    return list;
  }

  static Entry entry(long index, long term) {
    return new Entry(index, term, "set k" + index + " t" + term);
  }

  /** The model of a log after an append: truncate at the first index, then add. */
  static List<Entry> applyAppend(List<Entry> log, List<Entry> batch) {
    List<Entry> result = new ArrayList<>(log.subList(0, (int) batch.get(0).index() - 1));
    result.addAll(batch);
    return result;
  }
}
