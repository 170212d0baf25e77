package raftkv.check;

import java.util.List;
import java.util.Optional;

/**
 * The sequential specification of an object: what a single-threaded implementation would answer.
 * A history is linearizable when its operations can be ordered, each taking effect at one instant
 * between its call and its return, so that this model accepts every operation in that order.
 *
 * <p>States are compared with {@code equals} and {@code hashCode} (the checker remembers which
 * (operations done, state) pairs it has already explored), so they must be immutable values, and
 * never {@code null}.
 *
 * @param <S> the state
 * @param <I> an operation's input (what the client asked)
 * @param <O> an operation's output (what the client was told)
 */
public interface Model<S, I, O> {

  /** The state before any operation. */
  S init();

  /**
   * The state after applying {@code input} to {@code state}, if answering {@code output} is what
   * the object would do there; empty when that answer is impossible from {@code state}.
   *
   * <p>{@code output} is {@code null} when the operation's outcome is unknown: the model should
   * then accept the operation with whatever answer it would have given. The checker also lets
   * such an operation never take effect, so the model may reject it where it would change
   * nothing (a compare-and-set whose compare fails, say).
   */
  Optional<S> step(S state, I input, O output);

  /**
   * Splits a history into independent parts, each checked on its own from {@link #init()}: a
   * history is linearizable iff every part is (linearizability is local, Herlihy &amp; Wing; Horn
   * &amp; Kroening's P-compositionality). For a key-value store the parts are the keys. The
   * default is one part.
   */
  default List<List<Operation<I, O>>> partition(List<Operation<I, O>> history) {
    return List.of(history);
  }

  /** Names one part returned by {@link #partition}, such as {@code key "x"}; empty by default. */
  default String describePartition(List<Operation<I, O>> part) {
    return "";
  }

  /**
   * An operation's answer as a person would read it in a failure report; the input tells what
   * the answer means (for instance, that a read's {@code null} is an absent key). Only called for
   * operations whose outcome is known.
   */
  default String describeOutput(I input, O output) {
    return String.valueOf(output);
  }

  /** A state as a person would read it in a failure report. */
  default String describe(S state) {
    return String.valueOf(state);
  }
}
