package raftkv.raft;

import java.util.Objects;

/**
 * One entry of the replicated log: its position ({@code index}), the term of the leader that
 * created it, and the command for the state machine. An empty command is a no-op, which a new
 * leader appends to commit the entries of earlier terms (Raft §5.4.2, §8).
 */
public record Entry(long index, long term, String command) {

  public Entry {
    if (index < 1) throw new IllegalArgumentException("entry index must be >= 1: " + index);
    if (term < 1) throw new IllegalArgumentException("entry term must be >= 1: " + term);
    Objects.requireNonNull(command, "command");
  }

  public static Entry noop(long index, long term) {
    return new Entry(index, term, "");
  }

  public boolean isNoop() {
    return command.isEmpty();
  }

  /** A rough size for batching decisions; not an exact encoded size. */
  public int sizeEstimate() {
    return command.length() + 32;
  }

  @Override
  public String toString() {
    return term + "/" + index + (isNoop() ? "" : ":" + abbreviate(command));
  }

  private static String abbreviate(String s) {
    return s.length() <= 24 ? s : s.substring(0, 21) + "...";
  }
}
