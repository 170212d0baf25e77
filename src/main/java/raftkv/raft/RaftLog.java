package raftkv.raft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The node's copy of the replicated log, held in memory (index 1 is the first entry; index 0 is
 * the empty prefix, whose term is 0). The driver persists what the core hands it; on restart the
 * core is rebuilt from the stored entries.
 *
 * <p>Invariant: {@code entries.get(i).index() == i + 1}.
 */
public final class RaftLog {

  private final ArrayList<Entry> entries;

  RaftLog(List<Entry> stored) {
    entries = new ArrayList<>(stored.size() + 1024);
    for (Entry e : stored) {
      if (e.index() != entries.size() + 1) {
        throw new IllegalArgumentException("stored log is not contiguous at index " + e.index());
      }
      entries.add(e);
    }
  }

  public long lastIndex() {
    return entries.size();
  }

  public long lastTerm() {
    return termAt(lastIndex());
  }

  /** The term of the entry at {@code index}, 0 for index 0, and -1 when there is no such entry. */
  public long termAt(long index) {
    if (index == 0) return 0;
    if (index < 0 || index > entries.size()) return -1;
    return entries.get((int) index - 1).term();
  }

  public Entry entryAt(long index) {
    if (index < 1 || index > entries.size()) {
      throw new IndexOutOfBoundsException("no entry at " + index + ", last is " + lastIndex());
    }
    return entries.get((int) index - 1);
  }

  /** True if the log holds an entry at {@code index} whose term is {@code term} (index 0 always). */
  public boolean matches(long index, long term) {
    return termAt(index) == term;
  }

  /** Entries in [from, to], as an unmodifiable view copy. */
  public List<Entry> slice(long from, long to) {
    if (from > to) return List.of();
    return Collections.unmodifiableList(new ArrayList<>(entries.subList((int) from - 1, (int) to)));
  }

  /**
   * Entries from {@code from}, at most {@code maxCount} of them and at most about {@code maxBytes}
   * (always at least one if any exist, so a large entry cannot stall replication).
   */
  public List<Entry> batchFrom(long from, int maxCount, int maxBytes) {
    if (from > lastIndex()) return List.of();
    long to = Math.min(lastIndex(), from + maxCount - 1);
    int bytes = 0;
    for (long i = from; i <= to; i++) {
      bytes += entryAt(i).sizeEstimate();
      if (bytes > maxBytes && i > from) {
        to = i - 1;
        break;
      }
    }
    return slice(from, to);
  }

  void append(Entry entry) {
    if (entry.index() != lastIndex() + 1) {
      throw new IllegalStateException("append at " + entry.index() + " after " + lastIndex());
    }
    entries.add(entry);
  }

  /** Drops every entry at index {@code from} and above. */
  void truncateFrom(long from) {
    if (from <= lastIndex()) {
      entries.subList((int) from - 1, entries.size()).clear();
    }
  }

  /** The first index of the run of entries of {@code term} that contains {@code index}. */
  long firstIndexOfTermAt(long index) {
    long term = termAt(index);
    long i = index;
    while (i > 1 && termAt(i - 1) == term) i--;
    return i;
  }

  /** The last index at or below {@code atOrBelow} holding an entry of {@code term}, or 0. */
  long lastIndexOfTerm(long term, long atOrBelow) {
    for (long i = Math.min(atOrBelow, lastIndex()); i >= 1; i--) {
      long t = termAt(i);
      if (t == term) return i;
      if (t < term) return 0; // terms only grow along the log
    }
    return 0;
  }

  /**
   * Raft §5.4.1: a candidate's log is at least as up-to-date as ours if its last term is higher,
   * or the same with an index at least as large.
   */
  boolean isUpToDate(long candidateLastIndex, long candidateLastTerm) {
    return candidateLastTerm > lastTerm()
        || (candidateLastTerm == lastTerm() && candidateLastIndex >= lastIndex());
  }
}
