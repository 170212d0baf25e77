package raftkv.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import raftkv.raft.AppendEntriesResponse;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.Message;
import raftkv.raft.RaftLog;
import raftkv.raft.RaftNode;
import raftkv.raft.RequestVoteResponse;
import raftkv.storage.MemoryRaftStorage;

/**
 * The safety properties of Raft (Figure 3), checked as the simulation runs, against one
 * canonical history of the cluster.
 *
 * <ul>
 *   <li>Election safety: at most one leader per term.
 *   <li>Log matching: two entries with the same index and term hold the same command and follow
 *       entries of the same term, so (by induction) the logs are identical up to them.
 *   <li>Leader completeness: a new leader's log holds every entry committed in an earlier term.
 *       (A node can still win an old term's election late, its votes held up by a pause: such
 *       a leader needs none of what later terms committed, and steps down at their first
 *       message.)
 *   <li>State machine safety: every node applies the same entry at a given index.
 *   <li>Durable promises: no acknowledgement or vote leaves before its disk holds what it
 *       promises ({@link #onPromise}).
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
  /**
   * commitTerms.get(i - 1): the term of the node that first knew index i committed, which is
   * the leader that committed it.
   */
  private final List<Long> commitTerms = new ArrayList<>();
  private final EventQueue clock;
  /** Off only to measure whether a broken node's harm shows without this direct check. */
  private boolean checkPromises = true;

  SafetyChecker(EventQueue clock) {
    this.clock = clock;
  }

  void checkPromises(boolean on) {
    checkPromises = on;
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
    try {
      node.log().checkInvariants();
    } catch (IllegalStateException e) {
      throw new SimulationFailure("node " + node.id() + "'s log broke an invariant: "
          + e.getMessage());
    }
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
      if (commitTerms.get((int) c.index() - 1) >= node.term()) continue;
      if (c.index() < log.firstIndex() - 1) continue; // in its snapshot, checked when taken
      if (log.termAt(c.index()) != c.term()) {
        throw new SimulationFailure("leader completeness violated: new leader " + node.id()
            + " of term " + node.term() + " lacks committed entry " + c + " (has term "
            + log.termAt(c.index()) + " there)");
      }
    }
  }

  /**
   * Durability before promises (Figure 2: "updated on stable storage before responding to
   * RPCs"): when an acknowledgement or a vote leaves, what it promises is on the node's disk,
   * where a power loss cannot take it. An acknowledgement of index m in term t promises the
   * node's log up to m as it is in term t (a later term's leader may replace it, so only an
   * acknowledgement of the node's current term is checked); a vote in term t, a durable vote
   * for that candidate in t (or a durable later term, after which the node never votes in t).
   */
  void onPromise(RaftNode node, Message message, MemoryRaftStorage disk) {
    if (!checkPromises) return;
    if (message instanceof AppendEntriesResponse ack && ack.success() && ack.matchIndex() > 0
        && ack.term() == node.term()) {
      if (ack.matchIndex() > node.log().lastIndex()) {
        throw new SimulationFailure("node " + node.id() + " acknowledges index "
            + ack.matchIndex() + " to node " + ack.to() + ", but its log ends at "
            + node.log().lastIndex() + ": it lost entries it had promised to keep");
      }
      if (ack.matchIndex() < node.log().firstIndex()) {
        if (disk.newestSnapshot().index() < ack.matchIndex()) {
          throw new SimulationFailure("node " + node.id() + " acknowledges index "
              + ack.matchIndex() + " to node " + ack.to() + ", which its log no longer holds and"
              + " no durable snapshot covers (newest: " + disk.newestSnapshot() + ")");
        }
        return;
      }
      Entry promised = node.log().entryAt(ack.matchIndex());
      if (!disk.durablyHolds(promised)) {
        throw new SimulationFailure("node " + node.id() + " acknowledges " + promised
            + " to node " + ack.to() + ", but its disk holds it only in the page cache (or not"
            + " at all): a power loss now takes it back");
      }
    } else if (message instanceof RequestVoteResponse vote && vote.granted() && !vote.preVote()) {
      HardState durable = disk.durableHardState();
      boolean kept = durable.term() > vote.term()
          || (durable.term() == vote.term() && durable.votedFor() == vote.to());
      if (!kept) {
        throw new SimulationFailure("node " + node.id() + " grants its vote in term "
            + vote.term() + " to node " + vote.to() + " but its disk holds " + durable
            + ": a power loss now, and it could vote again in that term");
      }
    }
  }

  void onApply(int nodeId, long nodeTerm, Entry entry) {
    if (entry.index() <= committed.size()) {
      Entry expected = committed.get((int) entry.index() - 1);
      if (!expected.equals(entry)) {
        throw new SimulationFailure("state machine safety violated: node " + nodeId
            + " applies " + entry + " where " + expected + " was committed");
      }
    } else if (entry.index() == committed.size() + 1) {
      addCommitted(entry, nodeTerm);
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
    if (shared >= log.firstIndex() && !log.entryAt(shared).equals(committed.get((int) shared - 1))) {
      throw new SimulationFailure("node " + node.id() + " has " + log.entryAt(shared)
          + " committed at " + shared + " but " + committed.get((int) shared - 1)
          + " was committed there");
    }
    // entries compacted into a snapshot are recorded by the nodes that applied them
    if (committed.size() + 1 < log.firstIndex()) return;
    for (long i = committed.size() + 1; i <= upTo; i++) addCommitted(log.entryAt(i), node.term());
  }

  private void addCommitted(Entry entry, long term) {
    committed.add(entry);
    commitTimes.add(clock.stamp());
    commitTerms.add(term);
  }
}
