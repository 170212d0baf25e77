package raftkv.sim;

import java.util.List;

/** Temporary: replaced by the linearizability checker. */
final class HistoryChecks {
  static String linearizabilityProblem(List<History.Op> ops) {
    return null;
  }
}
