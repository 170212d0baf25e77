package raftkv.check;

import java.util.Objects;

/**
 * One client operation of a recorded history: what the client asked ({@code input}), what it was
 * told ({@code output}), and when it called and when the answer came back. Times are on one clock
 * shared by all clients (a logical counter, a line number, or nanoseconds).
 *
 * <p>An operation whose outcome is unknown (the client timed out or crashed before an answer) may
 * or may not have taken effect. It has {@code returnTime == UNKNOWN_RETURN}, and its output is
 * ignored: the checker hands the model {@code null} for it. Build one with {@link #pending}.
 */
public record Operation<I, O>(int clientId, I input, O output, long callTime, long returnTime) {

  /** The return time of an operation whose outcome is unknown: it may take effect at any time. */
  public static final long UNKNOWN_RETURN = Long.MAX_VALUE;

  public Operation {
    Objects.requireNonNull(input, "input");
    if (returnTime < callTime) {
      throw new IllegalArgumentException(
          "operation returns (" + returnTime + ") before it is called (" + callTime + ")");
    }
  }

  /** An operation that returned {@code output} at {@code returnTime}. */
  public static <I, O> Operation<I, O> completed(
      int clientId, I input, O output, long callTime, long returnTime) {
    return new Operation<>(clientId, input, output, callTime, returnTime);
  }

  /** An operation called at {@code callTime} whose outcome is unknown. */
  public static <I, O> Operation<I, O> pending(int clientId, I input, long callTime) {
    return new Operation<>(clientId, input, null, callTime, UNKNOWN_RETURN);
  }

  public boolean outcomeKnown() {
    return returnTime != UNKNOWN_RETURN;
  }

  /** The same call with another answer; for tests that corrupt a history. */
  public Operation<I, O> withOutput(O newOutput) {
    return new Operation<>(clientId, input, newOutput, callTime, returnTime);
  }

  @Override
  public String toString() {
    return describe(String.valueOf(output));
  }

  /** Like {@link #toString()}, with the output as {@code describedOutput}. */
  String describe(String describedOutput) {
    String outcome = outcomeKnown() ? describedOutput : "(outcome unknown)";
    String interval = "[" + callTime + ", " + (outcomeKnown() ? returnTime : "...") + "]";
    return "client " + clientId + ": " + input + " -> " + outcome + " " + interval;
  }
}
