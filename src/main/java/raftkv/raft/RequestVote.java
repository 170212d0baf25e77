package raftkv.raft;

/**
 * RequestVote RPC (Raft §5.2), or a pre-vote (dissertation §9.6) when {@code preVote} is set: a
 * pre-vote asks "would you vote for me in {@code term}?" without anyone changing their term.
 */
public record RequestVote(int from, int to, long term, long lastLogIndex, long lastLogTerm,
    boolean preVote) implements Message {

  @Override
  public String toString() {
    return from + "->" + to + (preVote ? " PreVote" : " Vote") + " t=" + term
        + " last=" + lastLogTerm + "/" + lastLogIndex;
  }
}
