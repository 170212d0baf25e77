package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.testing.TestConfigs;
import raftkv.testing.TestHttp.Reply;
import raftkv.transport.RaftRpcServer;

/** A running cluster shrugs off garbage on its Raft port. */
@Timeout(60)
class ClusterBadInputTest {

  @TempDir Path tmp;

  /** Bodies no node may act upon, whether or not they carry the cluster token. */
  private static List<byte[]> garbage(int to, int from) {
    List<String> texts = new ArrayList<>(List.of(
        "",
        "hello",
        "null",
        "[]",
        "{}",
        "{\"from\":" + from + ",\"to\":" + to + "",
        "{\"from\":" + from + ",\"to\":" + to + ",\"messages\":[{\"type\":\"nope\"}]}",
        "{\"from\":" + from + ",\"to\":" + to + ",\"messages\":\"all\"}",
        "{\"from\":" + from + ",\"to\":" + to + ",\"messages\":[{\"type\":\"vote\",\"term\":-1,"
            + "\"lastLogIndex\":0,\"lastLogTerm\":0,\"preVote\":false}]}",
        "{\"from\":" + from + ",\"to\":" + to + ",\"messages\":[{\"type\":\"vote\",\"term\":1.5,"
            + "\"lastLogIndex\":0,\"lastLogTerm\":0,\"preVote\":false}]}",
        "{\"from\":" + from + ",\"to\":" + to + ",\"messages\":[{\"type\":\"vote\","
            + "\"term\":99999999999999999999999,\"lastLogIndex\":0,\"lastLogTerm\":0,"
            + "\"preVote\":false}]}",
        "{\"from\":" + from + ",\"to\":" + to + ",\"messages\":[{\"type\":\"vote\",\"term\":\"1\","
            + "\"lastLogIndex\":0,\"lastLogTerm\":0,\"preVote\":false}]}",
        "{\"from\":" + from + ",\"to\":" + to + ",\"messages\":[{\"type\":\"vote\",\"term\":1,"
            + "\"lastLogIndex\":0,\"lastLogTerm\":0,\"preVote\":false,\"extra\":1}]}",
        // entries that do not follow prevLogIndex
        "{\"from\":" + from + ",\"to\":" + to + ",\"messages\":[{\"type\":\"append\",\"term\":1,"
            + "\"prevLogIndex\":0,\"prevLogTerm\":0,\"leaderCommit\":0,\"readSeq\":0,"
            + "\"entries\":[{\"index\":5,\"term\":1,\"command\":\"x\"}]}]}",
        // for another node, and from the node itself
        "{\"from\":" + from + ",\"to\":" + (to + 10) + ",\"messages\":[]}",
        "{\"from\":" + to + ",\"to\":" + to + ",\"messages\":[]}",
        "[".repeat(100_000)));
    List<byte[]> bodies = new ArrayList<>();
    texts.forEach(t -> bodies.add(t.getBytes(StandardCharsets.UTF_8)));
    byte[] binary = new byte[512];
    new java.util.Random(7).nextBytes(binary);
    bodies.add(binary);
    return bodies;
  }

  @Test
  void garbageOnTheRaftPortIsRefusedAndTheClusterKeepsServing() {
    try (ClusterHarness cluster = ClusterHarness.started(3, tmp)) {
      int leader = cluster.awaitLeader();
      int follower = cluster.aFollower(leader);
      long written = cluster.putOk(follower, "kept", "safe");

      for (int target : List.of(leader, follower)) {
        int port = cluster.member(target).raftPort();
        int peer = target == 1 ? 2 : 1;
        for (byte[] body : garbage(target, peer)) {
          String shown = new String(body, 0, Math.min(body.length, 80), StandardCharsets.UTF_8);
          Reply withToken = cluster.sendTo(port, "POST", RaftRpcServer.MESSAGES_PATH, body,
              RaftRpcServer.TOKEN_HEADER, TestConfigs.TOKEN, "Content-Type",
              "application/json");
          assertThat(withToken.status()).as("with token, to node %d: %s -> %s", target, shown,
              withToken.text()).isEqualTo(400);
          assertThat(withToken.json().getString("error")).isNotBlank();

          Reply without = cluster.sendTo(port, "POST", RaftRpcServer.MESSAGES_PATH, body);
          assertThat(without.status()).as("without token: %s", shown).isEqualTo(400);
          Reply wrongToken = cluster.sendTo(port, "POST", RaftRpcServer.MESSAGES_PATH, body,
              RaftRpcServer.TOKEN_HEADER, "not-" + TestConfigs.TOKEN);
          assertThat(wrongToken.status()).as("wrong token: %s", shown).isEqualTo(400);
        }
      }

      int nowLeading = cluster.awaitLeader();
      Reply kept = cluster.get(cluster.aFollower(nowLeading), "/v1/kv/kept");
      assertThat(kept.status()).isEqualTo(200);
      assertThat(kept.text()).isEqualTo("safe");
      assertThat(kept.header("X-Revision")).isEqualTo(Long.toString(written));
      assertThat(cluster.putOk(follower, "after", "garbage")).isGreaterThan(written);
      assertThat(cluster.get(leader, "/v1/kv/after").text()).isEqualTo("garbage");
      ClusterHarness.await("all nodes to converge on one digest", 10_000, () ->
          cluster.runningIds().stream().map(id -> cluster.status(id).orElseThrow())
              .map(s -> s.getLong("appliedIndex") + "/" + s.getValue("digest"))
              .distinct().count() == 1);
    }
  }
}
