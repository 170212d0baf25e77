package raftkv.raft;

import java.util.Map;
import java.util.TreeMap;

/**
 * Which configuration held at each point of the log: the one the snapshot (or the bootstrap)
 * gives, then every configuration entry after it. The latest is the one in effect, committed or
 * not (dissertation §4.1); when a follower's log is truncated, the configuration goes back with
 * it, and when the log is compacted, the snapshot remembers the configuration at its end.
 */
final class MembershipHistory {

  private final Membership bootstrap;
  /** The configuration as of {@code baseIndex} (the snapshot's end, or 0). */
  private Membership base;
  private long baseIndex;
  /** Configuration entries after {@code baseIndex}, by index. */
  private final TreeMap<Long, Membership> changes = new TreeMap<>();
  /** The latest: asked for on every commit, so kept rather than looked up. */
  private Membership current;
  private long currentIndex;
  private boolean baseRecorded;

  MembershipHistory(Membership bootstrap, SnapshotMeta snapshot, Iterable<Entry> stored) {
    this.bootstrap = bootstrap;
    reset(snapshot);
    for (Entry e : stored) appended(e);
  }

  /** The configuration in effect: the latest in the log. */
  Membership current() {
    return current;
  }

  /** The index of the entry that made {@link #current()}, or the snapshot's (0 at the start). */
  long currentIndex() {
    return currentIndex;
  }

  /** The configuration as of {@code index} (at least the snapshot's end). */
  Membership at(long index) {
    Map.Entry<Long, Membership> e = changes.floorEntry(index);
    return e == null ? base : e.getValue();
  }

  /** Whether any configuration was ever written down (otherwise the bootstrap one holds). */
  boolean recorded() {
    return !changes.isEmpty() || baseRecorded;
  }

  void appended(Entry e) {
    if (e.index() > baseIndex && Membership.isMembership(e.command())) {
      changes.put(e.index(), Membership.decode(e.command()));
      latestChanged();
    }
  }

  /** The log lost its entries from {@code from} on. */
  void truncatedFrom(long from) {
    if (changes.isEmpty() || changes.lastKey() < from) return;
    changes.tailMap(from, true).clear();
    latestChanged();
  }

  private void latestChanged() {
    current = changes.isEmpty() ? base : changes.lastEntry().getValue();
    currentIndex = changes.isEmpty() ? baseIndex : changes.lastKey();
  }

  /** A snapshot up to {@code index} now covers the log's start. */
  void compactedTo(long index) {
    if (index <= baseIndex) return;
    base = at(index);
    baseRecorded = baseRecorded || changes.floorKey(index) != null;
    baseIndex = index;
    changes.headMap(index, true).clear();
    latestChanged();
  }

  /** The log was replaced by {@code snapshot}. */
  void reset(SnapshotMeta snapshot) {
    changes.clear();
    baseIndex = snapshot.index();
    baseRecorded = !snapshot.membership().isEmpty();
    base = baseRecorded ? snapshot.membership() : bootstrap;
    latestChanged();
  }
}
