package raftkv.check;

import java.util.List;

/**
 * Where the search for a linearization of one partition got furthest before failing: the longest
 * order of operations it found, the state that order leads to, and the operation that returned
 * before it could take effect after it.
 */
record Violation<S, I, O>(
    List<Step<S, I, O>> longestPrefix,
    S stateAtDeadEnd,
    Operation<I, O> stuck,
    List<Operation<I, O>> otherCandidates) {

  /** How many operations of the prefix and candidates an explanation lists at most. */
  private static final int SHOWN = 10;

  /** One operation of the prefix, with the state after it. */
  record Step<S, I, O>(Operation<I, O> operation, S stateAfter) {}

  /** A report a person can act on; {@code partition} names the part that failed. */
  String explain(Model<S, I, O> model, String partition, int partitionSize) {
    StringBuilder out = new StringBuilder();
    out.append(partition).append(" is not linearizable (").append(partitionSize)
        .append(" operations).\n");
    appendPrefix(model, out);
    appendDeadEnd(model, out);
    appendCandidates(model, out);
    return out.toString().stripTrailing();
  }

  private void appendPrefix(Model<S, I, O> model, StringBuilder out) {
    int size = longestPrefix.size();
    if (size == 0) {
      out.append("Not even its first operation can take effect.\n");
      return;
    }
    out.append("The longest linearizable prefix found orders ").append(size)
        .append(size == 1 ? " operation" : " operations")
        .append(size > SHOWN ? " (the last " + SHOWN + " shown)" : "")
        .append(", each with the state after it:\n");
    for (int i = Math.max(0, size - SHOWN); i < size; i++) {
      Step<S, I, O> step = longestPrefix.get(i);
      out.append(String.format("  %3d. %s  =>  %s%n",
          i + 1, describe(model, step.operation()), model.describe(step.stateAfter())));
    }
  }

  private void appendDeadEnd(Model<S, I, O> model, StringBuilder out) {
    out.append("In state ").append(model.describe(stateAtDeadEnd))
        .append(" this operation returned without having taken effect:\n  ")
        .append(describe(model, stuck)).append('\n');
    O output = stuck.outcomeKnown() ? stuck.output() : null;
    boolean accepted = model.step(stateAtDeadEnd, stuck.input(), output).isPresent();
    out.append(accepted
        ? "(the model accepts it there, but every way on from that point was already explored"
            + " and failed)\n"
        : "(the model does not accept that answer in that state)\n");
  }

  private void appendCandidates(Model<S, I, O> model, StringBuilder out) {
    if (otherCandidates.isEmpty()) {
      out.append("No other operation could have taken effect before it.");
      return;
    }
    out.append("Other operations that could have come next, each rejected by the model there or")
        .append(" leading only to dead ends")
        .append(otherCandidates.size() > SHOWN ? " (the first " + SHOWN + " shown)" : "")
        .append(":\n");
    otherCandidates.stream()
        .limit(SHOWN)
        .forEach(op -> out.append("  ").append(describe(model, op)).append('\n'));
  }

  private String describe(Model<S, I, O> model, Operation<I, O> op) {
    return op.describe(op.outcomeKnown() ? model.describeOutput(op.input(), op.output()) : "");
  }
}
