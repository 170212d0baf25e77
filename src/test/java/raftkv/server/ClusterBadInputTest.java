package raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.server.ClusterHarness.Reply;
import raftkv.server.NodeConfig.ConfigException;
import raftkv.transport.RaftRpcServer;

/** A running cluster shrugs off garbage on its Raft port; a bad configuration file is named. */
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
        // for another node, and from a node that is not a peer
        "{\"from\":" + from + ",\"to\":" + (to + 10) + ",\"messages\":[]}",
        "{\"from\":" + (from + 10) + ",\"to\":" + to + ",\"messages\":[]}",
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
              RaftRpcServer.TOKEN_HEADER, ClusterHarness.TOKEN, "Content-Type",
              "application/json");
          assertThat(withToken.status()).as("with token, to node %d: %s -> %s", target, shown,
              withToken.text()).isEqualTo(400);
          assertThat(withToken.json().getString("error")).isNotBlank();

          Reply without = cluster.sendTo(port, "POST", RaftRpcServer.MESSAGES_PATH, body);
          assertThat(without.status()).as("without token: %s", shown).isEqualTo(400);
          Reply wrongToken = cluster.sendTo(port, "POST", RaftRpcServer.MESSAGES_PATH, body,
              RaftRpcServer.TOKEN_HEADER, "not-" + ClusterHarness.TOKEN);
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

  // ------------------------------------------------------------------ configuration files

  private Path writeConfig(Consumer<JsonObject> change) throws IOException {
    JsonObject json = new JsonObject(Files.readString(Path.of("conf/node1.json")));
    change.accept(json);
    Path file = Files.createTempFile(tmp, "node", ".json");
    Files.writeString(file, json.encodePrettily());
    return file;
  }

  private void assertRejected(Consumer<JsonObject> change, String field) throws IOException {
    Path file = writeConfig(change);
    assertThatThrownBy(() -> NodeConfig.load(file, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(field);
  }

  @Test
  void theShippedConfigurationLoads() throws Exception {
    NodeConfig config = NodeConfig.load(writeConfig(json -> {}), Map.of());
    assertThat(config.nodeId()).isEqualTo(1);
    assertThat(config.members()).hasSize(3);
  }

  @Test
  void unknownFieldsAreNamed() throws IOException {
    assertRejected(json -> json.put("tickMS", 20), "'tickMS'");
    assertRejected(json -> json.getJsonArray("members").getJsonObject(1).put("raftport", 1),
        "'members[1].raftport'");
    assertRejected(json -> json.getJsonObject("limits").put("maxValues", 1),
        "'limits.maxValues'");
  }

  @Test
  void fieldsOfTheWrongTypeAreNamed() throws IOException {
    assertRejected(json -> json.put("tickMs", "fast"), "'tickMs'");
    assertRejected(json -> json.put("members", "all of them"), "'members'");
    assertRejected(json -> json.getJsonObject("limits").put("maxValueBytes", "big"),
        "'limits.maxValueBytes'");
    assertRejected(json -> json.getJsonArray("members").getJsonObject(0).put("clientPort", true),
        "'members[0].clientPort'");
  }

  @Test
  void missingFieldsAndEmptyMembersAreNamed() throws IOException {
    assertRejected(json -> json.remove("members"), "field 'members'");
    assertRejected(json -> json.remove("limits"), "field 'limits'");
    assertRejected(json -> json.put("members", new JsonArray()), "field 'members'");
    assertRejected(json -> json.putNull("members"), "field 'members'");
  }

  @Test
  void tuningIsOptionalFieldByFieldAndOverridable() throws Exception {
    assertThat(NodeConfig.load(writeConfig(json -> {}), Map.of()).tuning())
        .isEqualTo(NodeConfig.Tuning.DEFAULTS);
    NodeConfig partial = NodeConfig.load(
        writeConfig(json -> json.put("tuning", new JsonObject().put("maxInflightAppends", 1))),
        Map.of("tuning.groupCommit", "false"));
    assertThat(partial.tuning()).isEqualTo(new NodeConfig.Tuning(1, 512, false, true));
    assertRejected(json -> json.put("tuning", new JsonObject().put("maxEntriesPerAppend", 0)),
        "'tuning.maxEntriesPerAppend'");
    assertRejected(json -> json.put("tuning", new JsonObject().put("pipelining", true)),
        "'tuning.pipelining'");
    assertRejected(json -> json.put("tuning", "fast"), "'tuning'");
  }

  @Test
  void requestIdRetentionIsOptionalAndBounded() throws Exception {
    assertThat(NodeConfig.load(writeConfig(json -> {}), Map.of()).requestIds())
        .isEqualTo(NodeConfig.RequestIds.DEFAULTS);
    NodeConfig partial = NodeConfig.load(writeConfig(json -> {}),
        Map.of("requestIds.retentionMs", "3600000"));
    assertThat(partial.requestIds().retentionMs()).isEqualTo(3_600_000);
    assertThat(partial.requestIds().maxMemoryBytes())
        .isEqualTo(NodeConfig.RequestIds.DEFAULTS.maxMemoryBytes());
    // shorter than a request's deadline (5 s here) twice over: a retry could miss its id
    assertRejected(json -> json.put("requestIds", new JsonObject().put("retentionMs", 9_999)),
        "'requestIds.retentionMs'");
    assertRejected(json -> json.put("requestIds",
        new JsonObject().put("gatewayRetentionMs", Long.MAX_VALUE)),
        "'requestIds.gatewayRetentionMs'");
    assertRejected(json -> json.put("requestIds", new JsonObject().put("maxMemoryBytes", -1)),
        "'requestIds.maxMemoryBytes'");
  }

  @Test
  void aFileThatIsNotJsonIsRefused() throws IOException {
    Path file = Files.createTempFile(tmp, "node", ".json");
    Files.writeString(file, "{\"nodeId\": 1,");
    assertThatThrownBy(() -> NodeConfig.load(file, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }
}
