package raftkv.node;

import raftkv.raft.Role;
import raftkv.raft.SoftState;

/**
 * The INFO line an operator reads when a node's role or leader changes: an election won, a
 * leader followed, a leader lost. One line per change, saying what it means.
 */
final class RoleChangeLog {

  private RoleChangeLog() {}

  /** What changed from {@code previous} to {@code current} on node {@code self}. */
  static String describe(int self, SoftState previous, SoftState current, long lastIndex) {
    String node = "node " + self;
    if (current.role() == Role.LEADER) {
      return node + " won the election for term " + current.term() + " and leads (log up to "
          + lastIndex + ")";
    }
    String was = previous.role() == Role.LEADER
        ? " (it led in term " + previous.term() + ")" : "";
    return switch (current.role()) {
      case PRE_CANDIDATE -> node + " heard from no leader within its election timeout (term "
          + current.term() + "): it asks the voters whether it could win (pre-vote)" + was;
      case CANDIDATE -> node + " stands for election in term " + current.term() + was;
      default -> current.leaderId() == SoftState.NO_LEADER
          ? node + " follows no leader yet in term " + current.term() + was
          : node + " follows node " + current.leaderId() + ", the leader of term "
              + current.term() + was;
    };
  }
}
