package raftkv.raft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The node's log as the core holds it: the entries since the last compaction, in memory, and
 * the snapshot that covers everything before them. Index 0 is the empty prefix (term 0).
 *
 * <p>Two parts, as etcd raft's {@code unstable}: the <b>stable</b> part, up to {@link
 * #stableIndex()}, is durable on this node's disk; the rest was appended here (by a proposal or
 * from the leader) and is on its way there. Of the unstable part, {@link #takeUnstable()} hands
 * each entry to the driver once for persisting.
 *
 * <p>Invariants (checked by {@link #checkInvariants()} in tests):
 * <ul>
 *   <li>{@code entries.get(i).index() == firstIndex + i} (contiguous);
 *   <li>{@code snapshot.index() >= firstIndex - 1}: compaction never drops what no snapshot
 *       covers;
 *   <li>{@code firstIndex - 1 <= stableIndex <= lastIndex} and {@code unstableFrom <= lastIndex
 *       + 1}; entries at or after {@code unstableFrom} have not been handed out yet.
 * </ul>
 */
public final class RaftLog implements LogView {

  private final ArrayList<Entry> entries;
  /** The index of {@code entries.get(0)}. */
  private long firstIndex;
  /** The term of the entry at {@code firstIndex - 1} (0 at the start of history). */
  private long prefixTerm;
  private SnapshotMeta snapshot;
  private long stableIndex;
  private long unstableFrom;

  /**
   * The log a node recovered: its latest snapshot and the stored entries, which may start before
   * the snapshot's end (entries kept for slow followers) but not after it, and must agree with
   * the snapshot where they overlap. Everything given is stable.
   */
  RaftLog(SnapshotMeta snapshot, List<Entry> stored) {
    this.snapshot = snapshot;
    this.entries = new ArrayList<>(stored.size() + 1024);
    if (stored.isEmpty()) {
      firstIndex = snapshot.index() + 1;
      prefixTerm = snapshot.term();
    } else {
      firstIndex = stored.get(0).index();
      if (firstIndex > snapshot.index() + 1) {
        throw new IllegalArgumentException("stored log starts at " + firstIndex + ", after "
            + snapshot + ": entries " + (snapshot.index() + 1) + ".." + (firstIndex - 1)
            + " are missing");
      }
      for (Entry e : stored) {
        if (e.index() != firstIndex + entries.size()) {
          throw new IllegalArgumentException("stored log is not contiguous at index " + e.index());
        }
        entries.add(e);
      }
      // The term before the first stored entry is known only at the start or at the snapshot.
      prefixTerm = firstIndex == 1 ? 0 : firstIndex - 1 == snapshot.index() ? snapshot.term() : -1;
      if (prefixTerm < 0) dropPrefix(firstIndex + 1);
      if (termAt(snapshot.index()) != snapshot.term()) {
        throw new IllegalArgumentException("stored log has term " + termAt(snapshot.index())
            + " at " + snapshot.index() + ", but the " + snapshot + " says " + snapshot.term());
      }
    }
    stableIndex = lastIndex();
    unstableFrom = lastIndex() + 1;
  }

  // ---------------------------------------------------------------- LogView

  @Override
  public long firstIndex() {
    return firstIndex;
  }

  @Override
  public long lastIndex() {
    return firstIndex - 1 + entries.size();
  }

  public long lastTerm() {
    return termAt(lastIndex());
  }

  @Override
  public long termAt(long index) {
    if (index == 0) return 0;
    if (index == firstIndex - 1) return prefixTerm;
    if (index < firstIndex || index > lastIndex()) return -1;
    return entries.get((int) (index - firstIndex)).term();
  }

  @Override
  public List<Entry> entries(long from, long to, long maxBytes) {
    if (from > to) return List.of();
    checkHeld(from);
    checkHeld(to);
    long bytes = 0;
    for (long i = from; i <= to; i++) {
      bytes += entryAt(i).sizeEstimate();
      if (bytes > maxBytes && i > from) {
        to = i - 1;
        break;
      }
    }
    return slice(from, to);
  }

  @Override
  public SnapshotMeta snapshot() {
    return snapshot;
  }

  // ---------------------------------------------------------------- reading

  public Entry entryAt(long index) {
    checkHeld(index);
    return entries.get((int) (index - firstIndex));
  }

  /** True if the log holds an entry at {@code index} whose term is {@code term} (index 0 always). */
  public boolean matches(long index, long term) {
    long known = termAt(index);
    return known >= 0 && known == term;
  }

  /** Entries in [from, to], as an unmodifiable copy. */
  public List<Entry> slice(long from, long to) {
    if (from > to) return List.of();
    checkHeld(from);
    checkHeld(to);
    return Collections.unmodifiableList(new ArrayList<>(
        entries.subList((int) (from - firstIndex), (int) (to - firstIndex) + 1)));
  }

  /** Entries from {@code from}, at most {@code maxCount} of them and about {@code maxBytes}. */
  public List<Entry> batchFrom(long from, int maxCount, int maxBytes) {
    if (from > lastIndex()) return List.of();
    return entries(from, Math.min(lastIndex(), from + maxCount - 1), maxBytes);
  }

  /** The last index whose entry is durable on this node's disk. */
  public long stableIndex() {
    return stableIndex;
  }

  /** Entries held in memory. */
  public int size() {
    return entries.size();
  }

  // ---------------------------------------------------------------- changing

  void append(Entry entry) {
    if (entry.index() != lastIndex() + 1) {
      throw new IllegalStateException("append at " + entry.index() + " after " + lastIndex());
    }
    entries.add(entry);
  }

  /** Drops every entry at index {@code from} and above (a conflict with the leader's log). */
  void truncateFrom(long from) {
    if (from <= snapshot.index()) {
      throw new IllegalStateException("truncating at " + from + " would cut into the " + snapshot);
    }
    if (from <= lastIndex()) {
      entries.subList((int) (from - firstIndex), entries.size()).clear();
      unstableFrom = Math.min(unstableFrom, from);
      stableIndex = Math.min(stableIndex, from - 1);
    }
  }

  /** The unstable entries not yet handed out; each entry is handed out once. */
  List<Entry> takeUnstable() {
    List<Entry> out = slice(unstableFrom, lastIndex());
    unstableFrom = lastIndex() + 1;
    return out;
  }

  /**
   * The driver made entries up to {@code index} durable, the last of them with {@code term}. A
   * truncation since they were handed out may have replaced them (the term tells), and then this
   * says nothing (etcd's {@code stableTo}).
   */
  boolean stableTo(long index, long term) {
    if (index <= stableIndex || !matches(index, term)) return false;
    stableIndex = index;
    return true;
  }

  /** A snapshot of the state machine up to {@code snapshot.index()} is durable. */
  void snapshotTaken(SnapshotMeta taken) {
    if (taken.index() > snapshot.index()) snapshot = taken;
  }

  /**
   * Drops the entries before {@code keepFrom} from memory. Only what a snapshot covers may go.
   */
  void compact(long keepFrom) {
    if (keepFrom - 1 > snapshot.index()) {
      throw new IllegalStateException("compacting up to " + (keepFrom - 1) + " is past the "
          + snapshot);
    }
    if (keepFrom > firstIndex) dropPrefix(keepFrom);
  }

  /**
   * Replaces the whole log by a snapshot from the leader (Raft §7: the snapshot holds what the
   * log does not, so the log is discarded). The snapshot counts as stable: the driver persists
   * it before anything that follows it.
   */
  void restore(SnapshotMeta from) {
    entries.clear();
    snapshot = from;
    firstIndex = from.index() + 1;
    prefixTerm = from.term();
    stableIndex = from.index();
    unstableFrom = from.index() + 1;
  }

  private void dropPrefix(long keepFrom) {
    prefixTerm = termAt(keepFrom - 1);
    entries.subList(0, (int) (keepFrom - firstIndex)).clear();
    firstIndex = keepFrom;
    stableIndex = Math.max(stableIndex, keepFrom - 1);
    unstableFrom = Math.max(unstableFrom, keepFrom);
  }

  // ---------------------------------------------------------------- search

  /** The first index of the run of entries of {@code term} that contains {@code index}. */
  long firstIndexOfTermAt(long index) {
    long term = termAt(index);
    long i = index;
    while (i > firstIndex && termAt(i - 1) == term) i--;
    return i;
  }

  /** The last index at or below {@code atOrBelow} holding an entry of {@code term}, or 0. */
  long lastIndexOfTerm(long term, long atOrBelow) {
    for (long i = Math.min(atOrBelow, lastIndex()); i >= firstIndex; i--) {
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

  /** Throws if an invariant of the class comment does not hold (for tests and checkers). */
  public void checkInvariants() {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).index() != firstIndex + i) {
        throw new IllegalStateException("log not contiguous at position " + i);
      }
    }
    if (snapshot.index() < firstIndex - 1) {
      throw new IllegalStateException("entries " + (snapshot.index() + 1) + ".."
          + (firstIndex - 1) + " are in neither the log nor the " + snapshot);
    }
    if (stableIndex < firstIndex - 1 || stableIndex > lastIndex()
        || unstableFrom > lastIndex() + 1) {
      throw new IllegalStateException("stable " + stableIndex + " / unstable from " + unstableFrom
          + " outside " + firstIndex + ".." + lastIndex());
    }
  }

  private void checkHeld(long index) {
    if (index < firstIndex || index > lastIndex()) {
      throw new IndexOutOfBoundsException("no entry at " + index + ": the log holds "
          + firstIndex + ".." + lastIndex() + " after the " + snapshot);
    }
  }
}
