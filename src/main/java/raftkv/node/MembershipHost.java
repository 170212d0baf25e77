package raftkv.node;

import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig;
import raftkv.kv.KvResult;
import raftkv.raft.ChangeResult;
import raftkv.raft.Membership;
import raftkv.raft.RaftNode;
import raftkv.raft.Role;
import raftkv.transport.TransportSettings;

/**
 * A node's side of membership changes (dissertation ch. 4) and leadership transfer (§3.10):
 * the operator's requests, checked against the configuration in effect and handed to the core;
 * the transport kept dialling the members as the configuration changes; joining an existing
 * cluster; and the configuration as {@code /v1/members} and {@code /v1/cluster} show it. Runs on
 * its {@link RaftVerticle}'s event loop, and reaches the core through it.
 */
final class MembershipHost {

  private static final Logger LOG = LoggerFactory.getLogger(MembershipHost.class);

  private final RaftVerticle node;
  private final NodeConfig config;
  private final LeadershipWaiters waiters = new LeadershipWaiters();
  private Joiner joiner;

  MembershipHost(RaftVerticle node, NodeConfig config) {
    this.node = node;
    this.config = config;
  }

  /**
   * Once the node runs: dial the configuration's members and, for a node started to join that
   * is not a member yet, ask the members at {@code joinUrls} to add it.
   */
  void started(List<String> joinUrls) {
    Membership m = node.replica().raft().membership();
    membershipChanged(m, m);
    if (!joinUrls.isEmpty() && !m.contains(config.nodeId())) {
      joiner = new Joiner(node.vertx(), config, node.tls(), joinUrls, this::joined);
      joiner.start();
    }
  }

  /** Every tick: a transfer the leader gave up fails the requests waiting for it. */
  void tick() {
    RaftNode raft = node.replica().raft();
    if (!waiters.isEmpty() && raft.role() == Role.LEADER && raft.transferTarget() == 0) {
      waiters.transferAbandoned(config.nodeId());
    }
  }

  /** The role changed: requests waiting for {@code leaderId} to lead are answered. */
  void leaderIs(int leaderId, long term) {
    waiters.leaderIs(leaderId, term);
  }

  void stop(String why) {
    if (joiner != null) joiner.stop();
    joiner = null;
    waiters.failAll(why);
  }

  /**
   * A configuration change asked for by an operator: checked against the configuration in
   * effect, proposed, and answered once committed (dissertation §4.1: one at a time). A change
   * that is already made (the member added at that address, the learner already a voter) is
   * answered at once, so an operator may retry.
   */
  void change(NodeRequest request, NodeReply reply) {
    RaftNode raft = node.replica().raft();
    if (raft.role() != Role.LEADER) {
      node.refuse(reply);
      return;
    }
    Membership next = nextConfiguration(request, raft.membership(), reply);
    if (next == null) return; // answered
    ChangeResult result = node.replica().proposeMembership(next, new Waiter<>() {
      @Override
      public void succeeded(KvResult ignored) {
        LOG.info("node {}: {}; the configuration is now {}", config.nodeId(),
            describe(request), next);
        reply.reply(membersJson().put("changed", true));
      }

      @Override
      public void failed(Failure failure, String why) {
        node.failWith(reply, failure, why);
      }
    });
    if (!result.accepted()) {
      refuseChange(result, reply);
      return;
    }
    node.scheduleProcess();
  }

  /** The configuration {@code request} asks for; null when it has answered the request itself. */
  private Membership nextConfiguration(NodeRequest request, Membership current,
      NodeReply reply) {
    if (request instanceof NodeRequest.AddLearner add) {
      Membership.Member existing = current.member(add.id());
      String address = new MemberAddress(add.host(), add.raftPort(), add.clientPort()).format();
      if (existing == null) return current.with(new Membership.Member(add.id(), false, address));
      if (existing.address().equals(address)) {
        reply.reply(membersJson().put("changed", false));
      } else {
        reply.fail(NodeFailure.Refused.conflict("node " + add.id() + " is already a member, at "
            + existing.address() + ": remove it first, or add the new node with a new id"));
      }
      return null;
    }
    int id = request instanceof NodeRequest.Promote p ? p.id()
        : ((NodeRequest.Remove) request).id();
    Membership.Member member = current.member(id);
    if (member == null) {
      reply.fail(NodeFailure.Refused.notFound("node " + id + " is not a member"));
      return null;
    }
    if (request instanceof NodeRequest.Remove) return current.without(id);
    if (member.voter()) {
      reply.reply(membersJson().put("changed", false));
      return null;
    }
    return current.with(new Membership.Member(id, true, member.address()));
  }

  private static String describe(NodeRequest request) {
    if (request instanceof NodeRequest.AddLearner add) {
      return "added node " + add.id() + " as a learner";
    }
    if (request instanceof NodeRequest.Promote p) return "promoted node " + p.id() + " to voter";
    return "removed node " + ((NodeRequest.Remove) request).id();
  }

  private void refuseChange(ChangeResult result, NodeReply reply) {
    switch (result.refusal()) {
      case NOT_LEADER -> node.refuse(reply);
      case BUSY, NOT_CAUGHT_UP -> reply.fail(NodeFailure.Refused.conflict(result.reason()));
      case INVALID -> reply.fail(NodeFailure.Refused.badRequest(result.reason()));
    }
  }

  /** §3.10: answered once {@code to} leads (504 if it did not within the request's time). */
  void transfer(int to, NodeReply reply) {
    RaftNode raft = node.replica().raft();
    if (raft.role() != Role.LEADER) {
      node.refuse(reply);
      return;
    }
    if (to != 0 && !raft.membership().contains(to)) {
      reply.fail(NodeFailure.Refused.notFound("node " + to + " is not a member"));
      return;
    }
    ChangeResult result = node.replica().transferLeadership(to);
    if (!result.accepted()) {
      refuseChange(result, reply);
      return;
    }
    int target = raft.transferTarget(); // 0: this node was asked to lead, and does
    if (target == 0) {
      reply.reply(new JsonObject().put("leaderId", config.nodeId()).put("term", raft.term()));
      return;
    }
    LOG.info("node {}: handing leadership to node {}", config.nodeId(), target);
    waiters.awaitLeader(target, reply);
    node.scheduleProcess();
  }

  /** {@link RaftVerticle#handOverLeadership()}, on the event loop of a running node. */
  void handOverLeadership(Promise<Void> handedOver) {
    RaftNode raft = node.replica().raft();
    if (raft.role() != Role.LEADER || raft.membership().voters().size() < 2
        || !node.replica().transferLeadership(0).accepted() || raft.transferTarget() == 0) {
      handedOver.complete();
      return;
    }
    int target = raft.transferTarget();
    LOG.info("node {} is stopping: handing leadership to node {} first", config.nodeId(), target);
    long timeoutMs = 2L * config.electionTicks() * config.tickMs();
    Promise<Object> moved = Promise.promise();
    waiters.awaitLeader(target, new NodeReply.Direct(node.vertx(), moved, timeoutMs));
    node.scheduleProcess();
    moved.future().onComplete(done -> handedOver.complete());
  }

  /** The configuration in effect changed: dial its members, say so, and stop joining. */
  void membershipChanged(Membership previous, Membership current) {
    // dial the members of both: the leader still replicates to the members a change removed,
    // until it commits
    List<TransportSettings.Peer> peers = new ArrayList<>();
    Set<Integer> ids = new TreeSet<>(current.ids());
    ids.addAll(previous.ids());
    for (int id : ids) {
      NodeConfig.Member m = MemberAddress.resolve(id, current.contains(id) ? current : previous,
          config);
      if (m != null && id != config.nodeId()) {
        peers.add(new TransportSettings.Peer(id, m.host(), m.raftPort()));
      }
    }
    if (node.transport() != null) node.transport().setPeers(peers);
    if (previous.equals(current)) return;
    LOG.info("node {}: the configuration is now {} (entry {})", config.nodeId(), current,
        node.replica().raft().membershipIndex());
    if (!current.contains(config.nodeId()) && previous.contains(config.nodeId())) {
      LOG.warn("node {} was removed from the cluster: it takes no further part and serves"
          + " nothing but stale reads; stop it (its data directory can be deleted)",
          config.nodeId());
    }
    if (joiner != null && current.contains(config.nodeId())) {
      joiner.stop();
      joiner = null;
    }
  }

  /**
   * This joining node was added: until the leader's log brings the configuration, dial the
   * members at the addresses the cluster answered with (so the leader hears this node's answers).
   */
  private void joined(JsonObject answer) {
    if (node.transport() == null || !node.replica().raft().membership().isEmpty()) return;
    List<TransportSettings.Peer> peers = new ArrayList<>();
    for (String list : List.of("voters", "learners")) {
      JsonArray members = answer.getJsonArray(list, new JsonArray());
      for (int i = 0; i < members.size(); i++) {
        JsonObject m = members.getJsonObject(i);
        Integer id = m.getInteger("id");
        if (id != null && id != config.nodeId() && m.getString("host") != null
            && m.getInteger("raftPort") != null) {
          peers.add(new TransportSettings.Peer(id, m.getString("host"), m.getInteger("raftPort")));
        }
      }
    }
    node.transport().setPeers(peers);
  }

  /** This node's standing in the configuration it has. */
  String standing() {
    Membership m = node.replica().raft().membership();
    // a snapshot from before this node was added names the others only, for a while
    if (joiner != null) return "joining";
    if (m.isVoter(config.nodeId())) return "voter";
    if (m.contains(config.nodeId())) return "learner";
    return m.isEmpty() ? "joining" : "removed";
  }

  JsonObject membersJson() {
    RaftNode raft = node.replica().raft();
    Membership m = raft.membership();
    JsonArray voters = new JsonArray();
    JsonArray learners = new JsonArray();
    for (Membership.Member member : m.members()) {
      JsonObject json = memberJson(member.id(), m);
      if (raft.role() == Role.LEADER && member.id() != config.nodeId()) {
        Long match = raft.matchIndexes().get(member.id());
        if (match != null) json.put("matchIndex", match);
      }
      (member.voter() ? voters : learners).add(json);
    }
    return new JsonObject().put("voters", voters).put("learners", learners)
        .put("index", raft.membershipIndex())
        .put("committed", raft.membershipIndex() <= raft.commitIndex())
        .put("leaderId", raft.leaderId());
  }

  private JsonObject memberJson(int id, Membership m) {
    NodeConfig.Member member = MemberAddress.resolve(id, m, config);
    JsonObject json = new JsonObject().put("id", id);
    if (member != null) {
      json.put("host", member.host()).put("raftPort", member.raftPort())
          .put("clientPort", member.clientPort()).put("clientUrl", config.clientUrl(member))
          .put("raftAddress", member.host() + ":" + member.raftPort());
    }
    return json;
  }

  /** The leader's id, and its client URL when known: what a front end forwards to. */
  LeaderHint leaderHint() {
    int leader = node.replica().raft().leaderId();
    NodeConfig.Member m = leader == 0 ? null
        : MemberAddress.resolve(leader, node.replica().raft().membership(), config);
    return new LeaderHint(leader, m == null ? null : config.clientUrl(m));
  }
}
