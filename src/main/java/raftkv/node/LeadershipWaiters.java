package raftkv.node;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests waiting for leadership to arrive at a member (a transfer asked for with {@code POST
 * /v1/leader}, or a leader handing over before it stops). Confined to the node's event loop.
 */
final class LeadershipWaiters {

  private record Waiting(int target, NodeReply reply) {}

  private final List<Waiting> waiting = new ArrayList<>();

  void awaitLeader(int target, NodeReply reply) {
    waiting.add(new Waiting(target, reply));
  }

  /** The role changed: {@code leaderId} now leads (0: nobody known) in {@code term}. */
  void leaderIs(int leaderId, long term) {
    if (leaderId == 0 || waiting.isEmpty()) return;
    for (Waiting w : waiting) {
      if (w.target() == leaderId) {
        w.reply().reply(new JsonObject().put("leaderId", leaderId).put("term", term));
      } else {
        w.reply().fail(new NodeFailure.OutcomeUnknown("node " + leaderId + " leads now (term "
            + term + "), not node " + w.target()));
      }
    }
    waiting.clear();
  }

  /** The leader gave the transfer up (its target did not take over within an election timeout). */
  void transferAbandoned(int stillLeader) {
    for (Waiting w : waiting) {
      w.reply().fail(new NodeFailure.OutcomeUnknown("node " + w.target() + " did not take over"
          + " within an election timeout; node " + stillLeader + " still leads. Check that node "
          + w.target() + " is up and caught up, then ask again"));
    }
    waiting.clear();
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  void failAll(String why) {
    for (Waiting w : waiting) w.reply().fail(new NodeFailure.Unavailable(why));
    waiting.clear();
  }
}
