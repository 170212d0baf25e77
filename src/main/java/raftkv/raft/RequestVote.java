package raftkv.raft;

/**
 * RequestVote RPC (Raft §5.2), or a pre-vote (dissertation §9.6) when {@code preVote} is set: a
 * pre-vote asks "would you vote for me in {@code term}?" without anyone changing their term.
 * {@code transfer} marks the election a leader asked for ({@link TimeoutNow}): voters that still
 * hear from that leader vote anyway, which they refuse to a candidate that was merely cut off.
 */
public record RequestVote(int from, int to, long term, long lastLogIndex, long lastLogTerm,
    boolean preVote, boolean transfer) implements Message {

  public RequestVote(int from, int to, long term, long lastLogIndex, long lastLogTerm,
      boolean preVote) {
    this(from, to, term, lastLogIndex, lastLogTerm, preVote, false);
  }

  @Override
  public String toString() {
    return from + "->" + to + (preVote ? " PreVote" : " Vote") + (transfer ? "(transfer)" : "")
        + " t=" + term + " last=" + lastLogTerm + "/" + lastLogIndex;
  }
}
