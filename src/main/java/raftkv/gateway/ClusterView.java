package raftkv.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import raftkv.config.NodeConfig.Member;
import raftkv.frontend.NodeStatus;

/**
 * What a gateway learned by asking every member for {@code GET /v1/cluster}: each member's status,
 * or why it could not be had, and the leader that follows from them.
 *
 * <p>The leader is the reachable member that says it leads ({@code "role": "LEADER"}, or its {@code
 * leaderId} is itself); if two do (an old leader cut off from the others has not noticed yet), the
 * one with the higher {@code term}.
 */
record ClusterView(List<MemberState> members) {

  /** One member as last seen: its status JSON, or the problem that prevented getting it. */
  record MemberState(Member member, JsonObject status, String problem) {

    static MemberState reached(Member member, JsonObject status) {
      return new MemberState(member, status, null);
    }

    static MemberState unreachable(Member member, String problem) {
      return new MemberState(member, null, problem);
    }

    boolean claimsLeadership() {
      if (status == null) return false;
      return "leader".equalsIgnoreCase(String.valueOf(status.getValue("role")))
          || leaderId() == member.id();
    }

    boolean servesStaleReads() {
      return status != null && NodeStatus.notServingBecause(status).isEmpty();
    }

    /** The leader this member knows of; 0 for none or unknown. */
    long leaderId() {
      return status != null && status.getValue("leaderId") instanceof Number n ? n.longValue() : 0;
    }

    long term() {
      return status != null && status.getValue("term") instanceof Number n ? n.longValue() : 0;
    }

    JsonObject toJson(String scheme) {
      JsonObject json = new JsonObject()
          .put("id", member.id())
          .put("clientUrl", member.clientUrl(scheme))
          .put("reachable", status != null);
      if (status == null) return json.put("error", problem);
      return json.put("role", status.getValue("role")).put("term", term())
          .put("leaderId", leaderId());
    }
  }

  Optional<MemberState> leaderState() {
    return members.stream()
        .filter(MemberState::claimsLeadership)
        .max(Comparator.comparingLong(MemberState::term));
  }

  Optional<Member> leader() {
    return leaderState().map(MemberState::member);
  }

  /** False only when member {@code id} was polled and did not answer. */
  boolean answered(int id) {
    return members.stream().noneMatch(m -> m.member().id() == id && m.status() == null);
  }

  /**
   * The members that answered and may serve a stale read, in the order polled: members of the
   * configuration (not joining, not removed) whose applied state is within {@link
   * NodeStatus#MAX_LAG} entries of the commit index they know of.
   */
  List<Member> answering() {
    return members.stream().filter(MemberState::servesStaleReads).map(MemberState::member)
        .toList();
  }

  /**
   * The gateway's answer to {@code GET /v1/cluster}: {@code gateway: true}, the {@code leaderId}
   * it forwards to (0 for none), that {@code leader}'s own status (null for none), and one line per
   * member under {@code nodes}.
   */
  JsonObject toJson(String scheme) {
    Optional<MemberState> leader = leaderState();
    JsonArray nodes = new JsonArray();
    members.forEach(m -> nodes.add(m.toJson(scheme)));
    return new JsonObject()
        .put("gateway", true)
        .put("leaderId", leader.map(m -> m.member().id()).orElse(0))
        .put("leader", leader.map(MemberState::status).orElse(null))
        .put("nodes", nodes);
  }
}
