package raftkv.frontend;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig.Member;
import raftkv.config.NodeConfig;
import raftkv.node.LeaderHint;
import raftkv.node.NodeChannel;
import raftkv.node.NodeFailure;
import raftkv.node.NodeRequest;
import raftkv.util.QuietLog;

/**
 * A node's front end: serves what its own node can (everything on the leader; stale reads and
 * {@code GET /v1/members} anywhere), and passes the rest on to the leader's front end once.
 *
 * <p>When the node knows another member leads ({@link NodeChannel#knownLeader}), a request for the
 * leader is forwarded at once, without a round trip through the node's event loop; otherwise the
 * node is asked, and its {@link NodeFailure.NotLeader} names where to forward.
 *
 * <p>A request that arrives already forwarded is never forwarded again: if this node does not
 * lead either, the two nodes disagree about the leader (an election is under way) and the answer
 * is 503, nothing written.
 */
final class LocalNodeDispatcher implements ClientDispatcher {

  private static final Logger log = LoggerFactory.getLogger(LocalNodeDispatcher.class);

  private final Vertx vertx;
  private final NodeChannel node;
  private final NodeConfig config;
  private final LeaderForwarder forwarder;
  private final QuietLog quietLog = new QuietLog(log, 10_000);
  private final String nodeName;
  /** Requests forwarded and not yet answered, to give up when their leader is replaced. */
  private final Set<Forward> underWay = new LinkedHashSet<>();
  private final long watchTimer;

  /** A request forwarded to {@code leaderId}; completing {@code abandon} gives it up. */
  private record Forward(int leaderId, Promise<String> abandon) {}

  LocalNodeDispatcher(Vertx vertx, NodeChannel node, NodeConfig config,
      LeaderForwarder forwarder) {
    this.vertx = vertx;
    this.node = node;
    this.config = config;
    this.forwarder = forwarder;
    this.nodeName = "node " + config.nodeId();
    this.watchTimer = vertx.setPeriodic(config.tickMs(), id -> giveUpOnReplacedLeaders());
  }

  /**
   * A leader that froze (or was cut off) answers nothing until the deadline; once this node knows
   * another leader, the requests waiting on the old one are given up and sent on again (see
   * {@link #afterGivingUp}), so a frozen leader costs about an election timeout, not the deadline.
   */
  private void giveUpOnReplacedLeaders() {
    if (underWay.isEmpty()) return;
    LeaderHint now = node.knownLeader();
    if (!now.known()) return;
    for (Forward f : new ArrayList<>(underWay)) {
      if (f.leaderId() != now.leaderId()) {
        f.abandon().tryComplete("node " + now.leaderId() + " leads now");
      }
    }
  }

  @Override
  public Future<HttpAnswer> kv(KvRequest request, ForwardableRequest original, Deadline deadline) {
    boolean servedHere = request instanceof KvRequest.GetKey get && !get.linearizable()
        || request instanceof KvRequest.ListKeys list && !list.linearizable();
    if (!servedHere && !original.wasForwarded()) {
      LeaderHint leader = node.knownLeader();
      if (leader.known() && leader.leaderId() != config.nodeId()) {
        return forwardTo(leader, original, deadline, request);
      }
    }
    return request.askNode(node, timeout(deadline))
        .recover(failure -> afterNodeFailed(failure, original, deadline, request));
  }

  @Override
  public Future<HttpAnswer> cluster(boolean withDigest, Deadline deadline) {
    return node.status(withDigest, timeout(deadline))
        .map(status -> HttpAnswer.json(200, status))
        .recover(failure -> Future.succeededFuture(
            KvAnswers.nodeFailure(failure, KvAnswers.Kind.READ, nodeName)));
  }

  @Override
  public Future<HttpAnswer> membership(NodeRequest request, ForwardableRequest original,
      Deadline deadline) {
    return node.membership(request, timeout(deadline))
        .map(reply -> HttpAnswer.json(200, reply))
        .recover(failure -> afterNodeFailed(failure, original, deadline, null));
  }

  @Override
  public Future<List<String>> notReadyBecause(Deadline deadline) {
    return node.status(false, timeout(deadline)).map(LocalNodeDispatcher::notReadyBecause)
        .otherwise(failure -> List.of(failure.getMessage()));
  }

  private static List<String> notReadyBecause(JsonObject status) {
    List<String> reasons = new ArrayList<>();
    if (status.getLong("leaderId", 0L) == 0) reasons.add("it knows no leader");
    reasons.addAll(NodeStatus.notServingBecause(status));
    return reasons;
  }

  private static long timeout(Deadline deadline) {
    return Math.max(1, deadline.remainingMs());
  }

  /** {@code request}: the key-value request, or null for a membership request. */
  private Future<HttpAnswer> afterNodeFailed(Throwable failure, ForwardableRequest original,
      Deadline deadline, KvRequest request) {
    if (failure instanceof NodeFailure.NotLeader notLeader) {
      return forwardTo(notLeader.leader(), original, deadline, request);
    }
    if (!(failure instanceof NodeFailure)) {
      quietLog.warn("node-failure", nodeName + " failed a request unexpectedly: " + failure);
    }
    return Future.succeededFuture(KvAnswers.nodeFailure(failure, original.kind(), nodeName));
  }

  /**
   * Forwards to {@code leader}; a key-value {@code request} is given up if another member leads
   * before it is answered ({@link #afterGivingUp}). A membership request never is: repeating a
   * leadership transfer that was made would move leadership again.
   */
  private Future<HttpAnswer> forwardTo(LeaderHint leader, ForwardableRequest original,
      Deadline deadline, KvRequest request) {
    if (!leader.known()) {
      return Future.succeededFuture(
          KvAnswers.unavailable("no leader is known right now", original.kind()));
    }
    if (original.wasForwarded()) {
      return Future.succeededFuture(KvAnswers.unavailable("node " + original.forwardedBy()
          + " forwarded this request to " + nodeName + ", which does not lead either (it says"
          + " node " + leader.leaderId() + " does): the cluster is changing leaders",
          original.kind()));
    }
    Optional<Member> target = address(leader);
    if (target.isEmpty() || leader.leaderId() == config.nodeId()) {
      quietLog.warn("bad-leader", nodeName + " names " + leader + " as leader, which cannot be"
          + " forwarded to");
      return Future.succeededFuture(
          KvAnswers.unavailable("no leader is known right now", original.kind()));
    }
    if (request == null) {
      return forwarder.forward(target.get(), original, deadline, config.nodeId())
          .recover(failure -> Future.succeededFuture(forwardFailed(failure, original)));
    }
    Forward forward = new Forward(leader.leaderId(), Promise.promise());
    underWay.add(forward);
    return forwarder.forward(target.get(), original, deadline, config.nodeId(),
            forward.abandon().future())
        .onComplete(done -> underWay.remove(forward))
        .recover(failure -> forward.abandon().future().isComplete()
            ? afterGivingUp(failure, request, original, deadline)
            : Future.succeededFuture(forwardFailed(failure, original)));
  }

  /**
   * A forwarded request given up because its leader was replaced. One that never left, a read,
   * or a write the client gave an id (which makes a retry safe) is served again, by whoever leads
   * now (this node too); a write without an id may have been applied by the old leader, so the
   * client hears that now rather than at the deadline. Once a write may have been applied, a
   * later "nothing was written" would be false: it becomes "may or may not be committed".
   */
  private Future<HttpAnswer> afterGivingUp(Throwable failure, KvRequest request,
      ForwardableRequest original, Deadline deadline) {
    boolean mayHaveArrived =
        !(failure instanceof ForwardFailedException f) || f.mayHaveArrived();
    if (mayHaveArrived && original.kind() == KvAnswers.Kind.WRITE) {
      return Future.succeededFuture(KvAnswers.outcomeUnknown(failure.getMessage(),
          original.kind()));
    }
    Future<HttpAnswer> again = kv(request, original, deadline);
    if (!mayHaveArrived || !original.isWrite()) return again;
    return again.map(answer -> answer.status() == 503 || answer.status() == 429
        ? KvAnswers.outcomeUnknown("an earlier attempt, given up on a leader that was replaced,"
            + " may have been applied", original.kind())
        : answer);
  }

  /**
   * The leader's client address as the node knows it (a member added since this node started is
   * in no configuration file), else as this node's configuration file lists it.
   */
  private Optional<Member> address(LeaderHint leader) {
    if (leader.clientUrl() != null) {
      try {
        URI url = URI.create(leader.clientUrl());
        return Optional.of(new Member(leader.leaderId(), url.getHost(), 0, url.getPort()));
      } catch (IllegalArgumentException unreadable) {
        // fall back to the configuration file
      }
    }
    return config.member(leader.leaderId());
  }

  private HttpAnswer forwardFailed(Throwable failure, ForwardableRequest original) {
    quietLog.warn("forward",
        nodeName + " could not forward to the leader: " + failure.getMessage());
    boolean mayHaveArrived = !(failure instanceof ForwardFailedException f) || f.mayHaveArrived();
    return mayHaveArrived
        ? KvAnswers.outcomeUnknown(failure.getMessage(), original.kind())
        : KvAnswers.unavailable(failure.getMessage(), original.kind());
  }

  @Override
  public raftkv.kv.EventHistory history() {
    return node.history();
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(watchTimer);
    return Future.succeededFuture();
  }
}
