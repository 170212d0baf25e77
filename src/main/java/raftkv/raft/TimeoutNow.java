package raftkv.raft;

/**
 * Leadership transfer (dissertation §3.10): the leader, having brought {@code to}'s log up to its
 * own, tells it to start an election at once, without waiting for its timeout or a pre-vote.
 */
public record TimeoutNow(int from, int to, long term) implements Message {

  @Override
  public String toString() {
    return from + "->" + to + " TimeoutNow t=" + term;
  }
}
