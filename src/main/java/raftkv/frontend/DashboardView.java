package raftkv.frontend;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the dashboard shows, built from one round of every member's {@code GET /v1/cluster}: each
 * node's role, term and indexes, its match index and lag as the leader sees them, its rates since
 * the previous round, and a timeline of leader changes. The JSON of one round is the {@code
 * cluster} event of {@code GET /ui/events} (docs/API.md, "Dashboard"). Pure: no I/O, no clock.
 */
final class DashboardView {

  /** Leader changes kept for the timeline. */
  static final int TIMELINE = 50;

  /** One member's answer in a round: its status, or why there was none. */
  record Poll(int id, String clientUrl, String raftAddress, boolean voter, JsonObject status,
      String error) {}

  /** The counters a rate is computed from, as of one round. */
  private record Counters(long timeMs, long writes, long reads, long fsyncs, double fsyncSeconds) {}

  private final String source;
  private final Map<Integer, Counters> previous = new HashMap<>();
  private final ArrayDeque<JsonObject> leaderChanges = new ArrayDeque<>();
  private int leaderId;
  private long term;

  DashboardView(String source) {
    this.source = source;
  }

  /** The view after a round of polls answered by {@code nowMs}. */
  JsonObject round(List<Poll> polls, long nowMs) {
    long newTerm = highestTerm(polls);
    int newLeader = leaderIn(polls, newTerm);
    JsonObject leader = statusOf(polls, newLeader);
    if (newLeader != leaderId) {
      leaderChanges.addLast(new JsonObject().put("time", nowMs)
          .put("term", Math.max(term, newTerm)).put("leaderId", newLeader)
          .put("previousLeaderId", leaderId));
      while (leaderChanges.size() > TIMELINE) leaderChanges.removeFirst();
      leaderId = newLeader;
    }
    term = Math.max(term, newTerm);
    JsonArray nodes = new JsonArray();
    double writes = 0;
    double reads = 0;
    for (Poll poll : polls) {
      JsonObject node = node(poll, leader, nowMs);
      writes += node.getDouble("writesPerSec", 0.0);
      reads += node.getDouble("readsPerSec", 0.0);
      nodes.add(node);
    }
    return new JsonObject().put("time", nowMs).put("source", source).put("leaderId", leaderId)
        .put("term", term).put("writesPerSec", round1(writes)).put("readsPerSec", round1(reads))
        .put("nodes", nodes).put("leaderChanges", new JsonArray(new ArrayList<>(leaderChanges)));
  }

  private JsonObject node(Poll poll, JsonObject leader, long nowMs) {
    JsonObject out = new JsonObject().put("id", poll.id()).put("clientUrl", poll.clientUrl())
        .put("raftAddress", poll.raftAddress()).put("voter", poll.voter())
        .put("reachable", poll.status() != null);
    JsonObject s = poll.status();
    if (s == null) {
      previous.remove(poll.id());
      return out.put("error", poll.error());
    }
    out.put("role", s.getValue("role")).put("term", s.getValue("term"))
        .put("leaderId", s.getValue("leaderId")).put("commitIndex", s.getValue("commitIndex"))
        .put("appliedIndex", s.getValue("appliedIndex")).put("lastIndex", s.getValue("lastIndex"))
        .put("firstIndex", s.getValue("firstIndex")).put("keys", s.getValue("keys"));
    JsonObject snapshot = s.getJsonObject("snapshot");
    if (snapshot != null) out.put("snapshotIndex", snapshot.getValue("index"));
    putReplication(out, poll.id(), leader);
    putRates(out, poll.id(), s, nowMs);
    return out;
  }

  /** Match index and lag as the leader reports them; the leader itself lags by nothing. */
  private static void putReplication(JsonObject out, int id, JsonObject leader) {
    if (leader == null) return;
    long leaderLast = leader.getLong("lastIndex", 0L);
    if (leader.getInteger("nodeId", 0) == id) {
      out.put("lagEntries", 0);
      return;
    }
    JsonObject followers = leader.getJsonObject("followers");
    JsonObject follower = followers == null ? null : followers.getJsonObject(Integer.toString(id));
    if (follower == null) return;
    long match = follower.getLong("matchIndex", 0L);
    out.put("matchIndex", match).put("lagEntries", Math.max(0, leaderLast - match));
  }

  private void putRates(JsonObject out, int id, JsonObject status, long nowMs) {
    JsonObject served = status.getJsonObject("served", new JsonObject());
    JsonObject storage = status.getJsonObject("storage", new JsonObject());
    Counters now = new Counters(nowMs, served.getLong("writes", 0L), served.getLong("reads", 0L),
        storage.getLong("fsyncs", 0L), storage.getDouble("fsyncSeconds", 0.0));
    Counters before = previous.put(id, now);
    // a restarted node's counters start again from 0: no rate for that round
    if (before == null || now.timeMs() <= before.timeMs() || now.writes() < before.writes()
        || now.reads() < before.reads() || now.fsyncs() < before.fsyncs()) {
      return;
    }
    double seconds = (now.timeMs() - before.timeMs()) / 1000.0;
    out.put("writesPerSec", round1((now.writes() - before.writes()) / seconds));
    out.put("readsPerSec", round1((now.reads() - before.reads()) / seconds));
    long fsyncs = now.fsyncs() - before.fsyncs();
    if (fsyncs > 0) {
      out.put("fsyncMs", round2((now.fsyncSeconds() - before.fsyncSeconds()) * 1000 / fsyncs));
    }
  }

  /**
   * The leader of the highest term any reachable member reports, as the members of that term say
   * (they agree on it): a leader whose own poll went unanswered this round still leads, and "no
   * leader" is shown once the members of the latest term say so (their election timeout ran out),
   * not whenever one poll is missed.
   */
  private static int leaderIn(List<Poll> polls, long term) {
    for (Poll poll : polls) {
      JsonObject s = poll.status();
      if (s != null && s.getLong("term", 0L) == term && s.getInteger("leaderId", 0) != 0) {
        return s.getInteger("leaderId");
      }
    }
    return 0;
  }

  /** The status {@code id} reported this round, if it answered and leads. */
  private static JsonObject statusOf(List<Poll> polls, int id) {
    for (Poll poll : polls) {
      if (poll.id() == id && poll.status() != null
          && "LEADER".equals(poll.status().getString("role"))) {
        return poll.status();
      }
    }
    return null;
  }

  /**
   * The status of the member that leads: the reachable one that says it leads, and if two do (an
   * old leader cut off has not noticed yet), the one of the higher term.
   */
  static JsonObject leaderStatus(List<Poll> polls) {
    JsonObject best = null;
    for (Poll poll : polls) {
      JsonObject s = poll.status();
      if (s == null || !"LEADER".equals(s.getString("role"))) continue;
      if (best == null || s.getLong("term", 0L) > best.getLong("term", 0L)) best = s;
    }
    return best;
  }

  private static long highestTerm(List<Poll> polls) {
    long highest = 0;
    for (Poll poll : polls) {
      if (poll.status() != null) highest = Math.max(highest, poll.status().getLong("term", 0L));
    }
    return highest;
  }

  /**
   * The members to poll next round: those the freshest status lists (voters, then learners), or
   * {@code fallback} when no member answered.
   */
  static Map<Integer, Poll> membersFrom(List<Poll> polls, Map<Integer, Poll> fallback) {
    JsonObject freshest = leaderStatus(polls);
    if (freshest == null) {
      for (Poll poll : polls) {
        if (poll.status() != null) {
          freshest = poll.status();
          break;
        }
      }
    }
    if (freshest == null) return fallback;
    Map<Integer, Poll> members = new TreeMap<>();
    addMembers(members, freshest.getJsonArray("members"), true);
    addMembers(members, freshest.getJsonArray("learners"), false);
    return members.isEmpty() ? fallback : members;
  }

  private static void addMembers(Map<Integer, Poll> into, JsonArray list, boolean voters) {
    if (list == null) return;
    for (Object o : list) {
      if (o instanceof JsonObject m && m.getInteger("id") != null) {
        into.put(m.getInteger("id"), new Poll(m.getInteger("id"), m.getString("clientUrl"),
            m.getString("raftAddress"), voters, null, null));
      }
    }
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
