package raftkv.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboard's event, from rounds of members' statuses: lag, rates, leader timeline. */
class DashboardViewTest {

  private static JsonObject status(int id, String role, long term, int leader, long last,
      long writes, long reads, long fsyncs, double fsyncSeconds) {
    JsonObject s = new JsonObject().put("nodeId", id).put("role", role).put("term", term)
        .put("leaderId", leader).put("commitIndex", last).put("appliedIndex", last)
        .put("lastIndex", last).put("firstIndex", 1).put("keys", 3)
        .put("snapshot", new JsonObject().put("index", 0))
        .put("served", new JsonObject().put("writes", writes).put("reads", reads))
        .put("storage", new JsonObject().put("fsyncs", fsyncs).put("fsyncSeconds", fsyncSeconds))
        .put("members", new JsonArray()
            .add(member(1)).add(member(2)))
        .put("learners", new JsonArray().add(member(3)));
    if ("LEADER".equals(role)) {
      s.put("followers", new JsonObject().put("2", new JsonObject().put("matchIndex", last - 4))
          .put("3", new JsonObject().put("matchIndex", last)));
    }
    return s;
  }

  private static JsonObject member(int id) {
    return new JsonObject().put("id", id).put("clientUrl", "http://127.0.0.1:810" + id)
        .put("raftAddress", "127.0.0.1:710" + id);
  }

  private static DashboardView.Poll up(int id, JsonObject status) {
    return new DashboardView.Poll(id, "http://127.0.0.1:810" + id, "127.0.0.1:710" + id,
        id != 3, status, null);
  }

  private static DashboardView.Poll down(int id) {
    return new DashboardView.Poll(id, "http://127.0.0.1:810" + id, "127.0.0.1:710" + id,
        id != 3, null, "Connection refused");
  }

  @Test
  void ratesLagAndTimelineFollowTheRounds() {
    DashboardView view = new DashboardView("gateway");
    JsonObject first = view.round(List.of(
        up(1, status(1, "LEADER", 2, 1, 100, 1000, 50, 100, 0.2)),
        up(2, status(2, "FOLLOWER", 2, 1, 99, 0, 10, 100, 0.3)),
        down(3)), 10_000);
    assertThat(first.getInteger("leaderId")).isEqualTo(1);
    assertThat(first.getLong("term")).isEqualTo(2);
    JsonObject leaderRow = first.getJsonArray("nodes").getJsonObject(0);
    assertThat(leaderRow.getLong("lagEntries")).isZero();
    assertThat(leaderRow.containsKey("writesPerSec")).as("no rate from one round").isFalse();
    JsonObject followerRow = first.getJsonArray("nodes").getJsonObject(1);
    assertThat(followerRow.getLong("matchIndex")).isEqualTo(96);
    assertThat(followerRow.getLong("lagEntries")).isEqualTo(4);
    JsonObject downRow = first.getJsonArray("nodes").getJsonObject(2);
    assertThat(downRow.getBoolean("reachable")).isFalse();
    assertThat(downRow.getString("error")).isEqualTo("Connection refused");
    assertThat(downRow.getBoolean("voter")).isFalse();
    assertThat(first.getJsonArray("leaderChanges")).hasSize(1);

    // two seconds later: 2,000 writes and 200 fsyncs of 1 ms more on the leader
    JsonObject second = view.round(List.of(
        up(1, status(1, "LEADER", 2, 1, 2100, 3000, 50, 300, 0.4)),
        up(2, status(2, "FOLLOWER", 2, 1, 2100, 0, 30, 100, 0.3)),
        down(3)), 12_000);
    JsonObject leader = second.getJsonArray("nodes").getJsonObject(0);
    assertThat(leader.getDouble("writesPerSec")).isEqualTo(1000.0);
    assertThat(leader.getDouble("fsyncMs")).isEqualTo(1.0);
    JsonObject follower = second.getJsonArray("nodes").getJsonObject(1);
    assertThat(follower.getDouble("readsPerSec")).isEqualTo(10.0);
    assertThat(follower.containsKey("fsyncMs")).as("no fsync in the interval").isFalse();
    assertThat(second.getDouble("writesPerSec")).isEqualTo(1000.0);
    assertThat(second.getDouble("readsPerSec")).isEqualTo(10.0);
    assertThat(second.getJsonArray("leaderChanges")).hasSize(1);

    // one poll of the leader unanswered: the followers still follow it, so nothing changed
    JsonObject missed = view.round(List.of(down(1),
        up(2, status(2, "FOLLOWER", 2, 1, 2100, 0, 30, 100, 0.3)), down(3)), 12_500);
    assertThat(missed.getInteger("leaderId")).isEqualTo(1);
    assertThat(missed.getJsonArray("leaderChanges")).hasSize(1);

    // the leader dies: no leader, then node 2 leads in term 3; a restarted node has no rate
    view.round(List.of(down(1), up(2, status(2, "CANDIDATE", 3, 0, 2100, 0, 30, 100, 0.3)),
        down(3)), 13_000);
    JsonObject after = view.round(List.of(
        up(1, status(1, "FOLLOWER", 3, 2, 2100, 0, 0, 0, 0)),
        up(2, status(2, "LEADER", 3, 2, 2101, 0, 30, 101, 0.31)), down(3)), 14_000);
    assertThat(after.getInteger("leaderId")).isEqualTo(2);
    JsonArray timeline = after.getJsonArray("leaderChanges");
    assertThat(timeline).hasSize(3);
    assertThat(timeline.getJsonObject(1).getInteger("leaderId")).isZero();
    assertThat(timeline.getJsonObject(2).getInteger("previousLeaderId")).isZero();
    assertThat(timeline.getJsonObject(2).getLong("term")).isEqualTo(3);
    assertThat(after.getJsonArray("nodes").getJsonObject(0).containsKey("writesPerSec")).isFalse();
  }

  @Test
  void theTimelineKeepsTheLatestChangesOnly() {
    DashboardView view = new DashboardView("node 1");
    for (int i = 0; i < DashboardView.TIMELINE + 10; i++) {
      int leader = i % 2 + 1;
      view.round(List.of(up(leader, status(leader, "LEADER", i + 1, leader, 10, 0, 0, 0, 0))),
          i * 1000L);
    }
    JsonArray timeline = view.round(List.of(), 100_000).getJsonArray("leaderChanges");
    assertThat(timeline).hasSize(DashboardView.TIMELINE);
    assertThat(timeline.getJsonObject(DashboardView.TIMELINE - 1).getInteger("leaderId")).isZero();
  }

  @Test
  void membersComeFromTheFreshestStatusOrTheConfiguration() {
    Map<Integer, DashboardView.Poll> configured = Map.of(1, down(1));
    assertThat(DashboardView.membersFrom(List.of(down(1)), configured)).isSameAs(configured);
    Map<Integer, DashboardView.Poll> members = DashboardView.membersFrom(
        List.of(up(1, status(1, "LEADER", 2, 1, 10, 0, 0, 0, 0))), configured);
    assertThat(members.keySet()).containsExactly(1, 2, 3);
    assertThat(members.get(3).voter()).isFalse();
    assertThat(members.get(2).clientUrl()).isEqualTo("http://127.0.0.1:8102");
  }
}
