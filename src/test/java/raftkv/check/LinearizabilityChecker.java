package raftkv.check;

import java.time.Duration;
import java.util.List;

/**
 * Checks recorded histories for linearizability against a {@link Model}.
 *
 * <p>The history is first split by {@link Model#partition} (for a key-value store, by key); each
 * part is checked on its own, and the history is linearizable iff every part is. Each part is
 * searched with Lowe's refinement of the Wing &amp; Gong algorithm, as Porcupine and Knossos do
 * (see {@link PartitionSearch}). Operations with an unknown outcome ({@link
 * Operation#UNKNOWN_RETURN}) may take effect at any time after their call, or never.
 *
 * <p>The search is exponential in the worst case, so it has a time limit: when it runs out, the
 * verdict is {@link Verdict#UNKNOWN}, never a guess.
 */
public final class LinearizabilityChecker {

  /** Longer limits are treated as this one; it keeps the deadline arithmetic from overflowing. */
  private static final Duration LONGEST_TIMEOUT = Duration.ofDays(365);

  private LinearizabilityChecker() {}

  /** Checks {@code history} against {@code model}, giving up after {@code timeout}. */
  public static <S, I, O> CheckResult check(
      Model<S, I, O> model, List<Operation<I, O>> history, Duration timeout) {
    long deadlineNanos = System.nanoTime() + min(timeout, LONGEST_TIMEOUT).toNanos();
    List<List<Operation<I, O>>> partitions = model.partition(history);
    for (int i = 0; i < partitions.size(); i++) {
      List<Operation<I, O>> partition = partitions.get(i);
      PartitionSearch<S, I, O> search = new PartitionSearch<>(model, partition, deadlineNanos);
      Verdict verdict = search.run();
      String name = name(model, partition, i, partitions.size());
      if (verdict == Verdict.ILLEGAL) {
        String why = search.violation().explain(model, name, partition.size());
        return new CheckResult(Verdict.ILLEGAL, why);
      }
      if (verdict == Verdict.UNKNOWN) {
        String checkedBefore = i == 0 ? "" : "; the " + i + " before it are linearizable";
        return new CheckResult(
            Verdict.UNKNOWN, "timed out after " + timeout + " checking " + name + checkedBefore);
      }
    }
    return new CheckResult(Verdict.OK, "linearizable: " + history.size() + " operations in "
        + partitions.size() + (partitions.size() == 1 ? " partition" : " partitions"));
  }

  /** For example {@code key "x" (partition 3 of 7)}, or {@code partition 3 of 7}. */
  private static <S, I, O> String name(
      Model<S, I, O> model, List<Operation<I, O>> partition, int index, int count) {
    String position = "partition " + (index + 1) + " of " + count;
    String description = model.describePartition(partition);
    return description.isEmpty() ? position : description + " (" + position + ")";
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
