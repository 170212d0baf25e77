package raftkv.raft;

/**
 * The answer to an {@link AppendEntries}.
 *
 * <p>On success, {@code matchIndex} is the last index the follower now holds in agreement with
 * the leader. On rejection, {@code rejectedIndex} is the request's prevLogIndex and the conflict
 * hint lets the leader skip a whole term per round trip instead of one index (Raft §5.3, the
 * "optimization" paragraph): {@code conflictTerm} is the follower's term at that index (0 if its
 * log is shorter) and {@code conflictIndex} the first index it holds of that term (or its last
 * index + 1).
 */
public record AppendEntriesResponse(int from, int to, long term, boolean success, long matchIndex,
    long rejectedIndex, long conflictIndex, long conflictTerm, long readSeq) implements Message {

  public static AppendEntriesResponse accept(int from, int to, long term, long matchIndex,
      long readSeq) {
    return new AppendEntriesResponse(from, to, term, true, matchIndex, 0, 0, 0, readSeq);
  }

  public static AppendEntriesResponse reject(int from, int to, long term, long rejectedIndex,
      long conflictIndex, long conflictTerm, long readSeq) {
    return new AppendEntriesResponse(from, to, term, false, 0, rejectedIndex, conflictIndex,
        conflictTerm, readSeq);
  }

  @Override
  public String toString() {
    return from + "->" + to + " AppResp t=" + term
        + (success ? " ok match=" + matchIndex
            : " reject " + rejectedIndex + " hint=" + conflictTerm + "/" + conflictIndex)
        + (readSeq > 0 ? " r=" + readSeq : "");
  }
}
