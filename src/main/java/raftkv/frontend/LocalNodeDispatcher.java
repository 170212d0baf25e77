package raftkv.frontend;

import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig.Member;
import raftkv.config.NodeConfig;
import raftkv.node.NodeChannel;
import raftkv.node.NodeRequest;
import raftkv.util.QuietLog;

/**
 * A node's front end: asks its own node (through a {@link NodeChannel}), and when the node does not lead
 * but knows who does, forwards the client's HTTP request to the leader's front end once.
 *
 * <p>A request that arrives already forwarded is never forwarded again: if this node does not
 * lead either, the two nodes disagree about the leader (an election is under way) and the answer
 * is 503, nothing written.
 */
final class LocalNodeDispatcher implements ClientDispatcher {

  private static final Logger log = LoggerFactory.getLogger(LocalNodeDispatcher.class);

  private final NodeChannel node;
  private final NodeConfig config;
  private final LeaderForwarder forwarder;
  private final QuietLog quietLog = new QuietLog(log, 10_000);
  private final String nodeName;

  LocalNodeDispatcher(NodeChannel node, NodeConfig config, LeaderForwarder forwarder) {
    this.node = node;
    this.config = config;
    this.forwarder = forwarder;
    this.nodeName = "node " + config.nodeId();
  }

  @Override
  public Future<HttpAnswer> kv(KvRequest request, ForwardableRequest original, Deadline deadline) {
    return askNode(request.toNodeRequest(), deadline)
        .map(request::answer)
        .recover(failure -> afterNodeFailed(failure, request, original, deadline));
  }

  @Override
  public Future<HttpAnswer> cluster(boolean withDigest, Deadline deadline) {
    return askNode(new NodeRequest.Status(withDigest), deadline)
        .map(status -> HttpAnswer.json(200, (JsonObject) status))
        .recover(failure -> Future.succeededFuture(
            KvAnswers.nodeFailure(failure, false, nodeName)));
  }

  @Override
  public Future<HttpAnswer> membership(NodeRequest request, ForwardableRequest original,
      Deadline deadline) {
    return askNode(request, deadline)
        .map(reply -> HttpAnswer.json(200, (JsonObject) reply))
        .recover(failure -> {
          if (isNotLeader(failure)) {
            return forwardToLeader((ReplyException) failure, original, deadline);
          }
          return Future.succeededFuture(
              KvAnswers.nodeFailure(failure, request.changesMembership(), nodeName));
        });
  }

  private Future<Object> askNode(NodeRequest request, Deadline deadline) {
    return node.ask(request, Math.max(1, deadline.remainingMs()));
  }

  private Future<HttpAnswer> afterNodeFailed(
      Throwable failure, KvRequest request, ForwardableRequest original, Deadline deadline) {
    if (isNotLeader(failure)) {
      return forwardToLeader((ReplyException) failure, original, deadline);
    }
    if (!(failure instanceof ReplyException)) {
      quietLog.warn("node-failure", nodeName + " failed a request unexpectedly: " + failure);
    }
    return Future.succeededFuture(KvAnswers.nodeFailure(failure, request.isWrite(), nodeName));
  }

  private static boolean isNotLeader(Throwable failure) {
    return failure instanceof ReplyException reply
        && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && reply.failureCode() == NodeChannel.NOT_LEADER;
  }

  /** The leader id the node named, 0 when it knows none (or said something unreadable). */
  private static int leaderNamedIn(ReplyException notLeader) {
    try {
      return Integer.parseInt(notLeader.getMessage().trim().split(" ")[0]);
    } catch (RuntimeException unreadable) {
      return 0;
    }
  }

  /**
   * The leader as the node named it: its id and client URL (a member added since this node
   * started is in no configuration file), else as this node's configuration file lists it.
   */
  private Optional<Member> leaderMember(ReplyException notLeader, int leaderId) {
    String[] parts = notLeader.getMessage().trim().split(" ");
    if (parts.length == 2) {
      try {
        URI url = URI.create(parts[1]);
        return Optional.of(new Member(leaderId, url.getHost(), 0, url.getPort()));
      } catch (IllegalArgumentException unreadable) {
        // fall back to the configuration file
      }
    }
    return config.member(leaderId);
  }

  private Future<HttpAnswer> forwardToLeader(
      ReplyException notLeader, ForwardableRequest original, Deadline deadline) {
    int leaderId = leaderNamedIn(notLeader);
    if (leaderId == 0) {
      return Future.succeededFuture(KvAnswers.unavailable("no leader is known right now"));
    }
    if (original.wasForwarded()) {
      return Future.succeededFuture(KvAnswers.unavailable("node " + original.forwardedBy()
          + " forwarded this request to " + nodeName + ", which does not lead either (it says"
          + " node " + leaderId + " does): the cluster is changing leaders"));
    }
    Optional<Member> leader = leaderMember(notLeader, leaderId);
    if (leader.isEmpty() || leaderId == config.nodeId()) {
      quietLog.warn("bad-leader", nodeName + " names node " + leaderId + " as leader, which"
          + " cannot be forwarded to");
      return Future.succeededFuture(KvAnswers.unavailable("no leader is known right now"));
    }
    return forwarder.forward(leader.get(), original, deadline, config.nodeId())
        .recover(failure -> Future.succeededFuture(forwardFailed(failure, original)));
  }

  private HttpAnswer forwardFailed(Throwable failure, ForwardableRequest original) {
    quietLog.warn("forward",
        nodeName + " could not forward to the leader: " + failure.getMessage());
    boolean mayHaveArrived = !(failure instanceof ForwardFailedException f) || f.mayHaveArrived();
    return mayHaveArrived
        ? KvAnswers.failedUnknown(failure.getMessage(), original.isWrite())
        : KvAnswers.unavailable(failure.getMessage());
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
