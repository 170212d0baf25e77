package raftkv.frontend;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node's status (the body of its {@code GET /v1/cluster}) says about whether it may serve:
 * read by a node's front end for {@code /ready}, and by a gateway choosing where to send a stale
 * read.
 */
public final class NodeStatus {

  /** A node's log counts as caught up while it has applied all but this many committed entries. */
  public static final long MAX_LAG = 1000;

  private NodeStatus() {}

  /**
   * Why the node should not serve from its own state: it is not a member of the configuration
   * (joining, removed), or it lags the commit index a leader told it of by more than {@link
   * #MAX_LAG}. Empty when it may.
   */
  public static List<String> notServingBecause(JsonObject status) {
    List<String> reasons = new ArrayList<>();
    JsonObject membership = status.getJsonObject("membership");
    String self = membership == null ? "" : membership.getString("self", "");
    if (self.equals("removed") || self.equals("joining")) {
      reasons.add("it is not a member of the cluster (" + self + ")");
    }
    long lag = status.getLong("leaderCommitIndex", 0L) - status.getLong("appliedIndex", 0L);
    if (lag > MAX_LAG) {
      reasons.add("its log is " + lag + " committed entries behind (catching up)");
    }
    return reasons;
  }
}
