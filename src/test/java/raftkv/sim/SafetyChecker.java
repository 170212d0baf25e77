package raftkv.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import raftkv.raft.Entry;
import raftkv.raft.RaftLog;
import raftkv.raft.RaftNode;

/**
 * The safety properties of Raft (Figure 3), checked as the simulation runs, against one
 * canonical history of the cluster.
 *
 * <ul>
 *   <li>Election safety: at most one leader per term.
 *   <li>Log matching: two entries with the same index and term hold the same command and follow
 *       entries of the same term, so (by induction) the logs are identical up to them.
 *   <li>Leader completeness: a new leader's log holds every entry committed so far.
 *   <li>State machine safety: every node applies the same entry at a given index.
 * </ul>
 */
final class SafetyChecker {

  private record Shape(String command, long previousTerm) {}

  private final Map<Long, Integer> leaderOfTerm = new HashMap<>();
  private final Map<Long, Map<Long, Shape>> entryShapes = new HashMap<>();
  /** committed.get(i - 1) is the entry committed at index i. */
  private final List<Entry> committed = new ArrayList<>();
  /** commitTimes.get(i - 1): the logical time ({@link EventQueue#stamp}) index i was first seen committed. */
  private final List<Long> commitTimes = new ArrayList<>();
  private final EventQueue clock;

  SafetyChecker(EventQueue clock) {
    this.clock = clock;
  }

  List<Entry> committed() {
    return committed;
  }

  long commitTime(long index) {
    return commitTimes.get((int) index - 1);
  }

  /** A node is about to persist {@code entries}, the suffix of its log right now. */
  void onEntriesWritten(RaftNode node, List<Entry> entries) {
    RaftLog log = node.log();
    for (Entry e : entries) {
      Shape shape = new Shape(e.command(), log.termAt(e.index() - 1));
      Shape known = entryShapes.computeIfAbsent(e.index(), i -> new HashMap<>())
          .putIfAbsent(e.term(), shape);
      if (known != null && !known.equals(shape)) {
        throw new SimulationFailure("log matching violated at node " + node.id() + ": entry "
            + e + " after term " + shape.previousTerm() + " but elsewhere " + known);
      }
    }
  }

  /** Called after each event a node handled. */
  void afterEvent(RaftNode node) {
    recordCommitted(node);
  }

  void onLeader(RaftNode node) {
    Integer other = leaderOfTerm.putIfAbsent(node.term(), node.id());
    if (other != null && other != node.id()) {
      throw new SimulationFailure("election safety violated: nodes " + other + " and "
          + node.id() + " both lead term " + node.term());
    }
    RaftLog log = node.log();
    for (Entry c : committed) {
      if (log.termAt(c.index()) != c.term()) {
        throw new SimulationFailure("leader completeness violated: new leader " + node.id()
            + " of term " + node.term() + " lacks committed entry " + c + " (has term "
            + log.termAt(c.index()) + " there)");
      }
    }
  }

  void onApply(int nodeId, Entry entry) {
    if (entry.index() <= committed.size()) {
      Entry expected = committed.get((int) entry.index() - 1);
      if (!expected.equals(entry)) {
        throw new SimulationFailure("state machine safety violated: node " + nodeId
            + " applies " + entry + " where " + expected + " was committed");
      }
    } else if (entry.index() == committed.size() + 1) {
      addCommitted(entry);
    } else {
      throw new SimulationFailure("node " + nodeId + " applies " + entry
          + " before index " + (committed.size() + 1) + " is known committed");
    }
  }

  /**
   * Every entry up to a node's commit index is committed; it must agree with what others saw.
   * Comparing the last index both know is enough: log matching covers everything before it.
   */
  private void recordCommitted(RaftNode node) {
    RaftLog log = node.log();
    long upTo = node.commitIndex();
    long shared = Math.min(upTo, committed.size());
    if (shared > 0 && !log.entryAt(shared).equals(committed.get((int) shared - 1))) {
      throw new SimulationFailure("node " + node.id() + " has " + log.entryAt(shared)
          + " committed at " + shared + " but " + committed.get((int) shared - 1)
          + " was committed there");
    }
    for (long i = committed.size() + 1; i <= upTo; i++) addCommitted(log.entryAt(i));
  }

  private void addCommitted(Entry entry) {
    committed.add(entry);
    commitTimes.add(clock.stamp());
  }
}
