package raftkv.node;

/**
 * Who a node believes leads: the leader's id (0 when it knows none) and, when the node knows its
 * address, the leader's client URL, which is what a front end forwards a request to. A member
 * added since the node started is in no configuration file, so the URL comes from the log.
 *
 * @param clientUrl e.g. {@code http://10.0.0.3:8100}; null when unknown
 */
public record LeaderHint(int leaderId, String clientUrl) {

  public static final LeaderHint NONE = new LeaderHint(0, null);

  public boolean known() {
    return leaderId != 0;
  }

  @Override
  public String toString() {
    return leaderId == 0 ? "no leader known" : "node " + leaderId
        + (clientUrl == null ? "" : " at " + clientUrl);
  }
}
