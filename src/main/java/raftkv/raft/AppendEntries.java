package raftkv.raft;

import java.util.List;

/**
 * AppendEntries RPC (Raft §5.3). With no entries it is a heartbeat; the leader then sets
 * {@code prevLogIndex} to the follower's known match so the consistency check always passes.
 *
 * @param readSeq the leader's read-index round this message belongs to (echoed in the response);
 *     a majority echoing round r confirms the leader was still leader when round r began (§6.4)
 */
public record AppendEntries(int from, int to, long term, long prevLogIndex, long prevLogTerm,
    List<Entry> entries, long leaderCommit, long readSeq) implements Message {

  public AppendEntries {
    entries = List.copyOf(entries);
  }

  public long lastIndex() {
    return prevLogIndex + entries.size();
  }

  @Override
  public String toString() {
    return from + "->" + to + " App t=" + term + " prev=" + prevLogTerm + "/" + prevLogIndex
        + " c=" + leaderCommit + (readSeq > 0 ? " r=" + readSeq : "")
        + (entries.isEmpty() ? "" : " " + describe(entries));
  }

  private static String describe(List<Entry> entries) {
    if (entries.size() <= 3) return entries.toString();
    return "[" + entries.get(0) + " .. " + entries.get(entries.size() - 1) + " (" + entries.size()
        + ")]";
  }
}
