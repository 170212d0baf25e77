package raftkv.raft;

/** The answer to a {@link RequestVote}; {@code preVote} echoes the request's. */
public record RequestVoteResponse(int from, int to, long term, boolean granted, boolean preVote)
    implements Message {

  @Override
  public String toString() {
    return from + "->" + to + (preVote ? " PreVoteResp" : " VoteResp") + " t=" + term
        + (granted ? " granted" : " rejected");
  }
}
