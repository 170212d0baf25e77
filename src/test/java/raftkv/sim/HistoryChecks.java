package raftkv.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import raftkv.check.CheckResult;
import raftkv.check.KvInput;
import raftkv.check.KvModel;
import raftkv.check.KvOutput;
import raftkv.check.LinearizabilityChecker;
import raftkv.check.Operation;
import raftkv.check.Verdict;

/** Hands the simulated clients' history to the linearizability checker. */
final class HistoryChecks {

  /**
   * Generous: a simulated history checks in milliseconds, though a rare one with many long,
   * overlapping compare-and-sets has taken 45 s here; a timeout is reported, not passed.
   * {@code -Dsim.checkSeconds=N} changes it.
   */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(Long.getLong("sim.checkSeconds", 90));

  private HistoryChecks() {}

  /** Null if the history is linearizable, else what the checker found. */
  static String linearizabilityProblem(List<History.Op> ops, Duration timeout) {
    List<Operation<KvInput, KvOutput>> history = new ArrayList<>(ops.size());
    for (History.Op op : ops) history.add(toOperation(op));
    CheckResult result = LinearizabilityChecker.check(new KvModel(), history, timeout);
    if (result.verdict() == Verdict.OK) return null;
    return "history of " + ops.size() + " operations is "
        + (result.verdict() == Verdict.ILLEGAL ? "NOT linearizable" : "too hard to check in "
            + timeout.toSeconds() + " s") + ":\n" + result.explanation();
  }

  private static Operation<KvInput, KvOutput> toOperation(History.Op op) {
    KvInput input = switch (op.kind) {
      case PUT -> new KvInput.Put(op.key, op.value);
      case GET -> new KvInput.Get(op.key);
      case DELETE -> new KvInput.Delete(op.key);
      case CAS -> new KvInput.Cas(op.key, op.expected, op.value);
    };
    if (op.returnTime == History.Op.UNKNOWN) return Operation.pending(op.client, input, op.callTime);
    KvOutput output = switch (op.kind) {
      case PUT, DELETE -> KvOutput.OK;
      case GET -> KvOutput.read(op.value);
      case CAS -> KvOutput.swapped(op.swapped);
    };
    return Operation.completed(op.client, input, output, op.callTime, op.returnTime);
  }
}
