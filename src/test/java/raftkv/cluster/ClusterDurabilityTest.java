package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.config.NodeConfig;
import raftkv.node.RaftVerticle;
import raftkv.raft.AppendEntries;
import raftkv.raft.Entry;
import raftkv.storage.StorageOptions;
import raftkv.testing.TestConfigs;
import raftkv.testing.TestHttp.Reply;
import raftkv.transport.Batch;
import raftkv.transport.RaftJson;
import raftkv.transport.RaftRpcServer;

/**
 * Real nodes, and what they promise about their state: a node whose invariants break stops, a
 * shutdown never says "nothing was written" of a write that may commit, request ids are
 * exactly-once by the rules of docs/API.md, stale reads say how stale they may be, and a data
 * directory belongs to one process.
 */
@Timeout(60)
class ClusterDurabilityTest {

  @TempDir Path dataRoot;
  private ClusterHarness cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) cluster.close();
  }

  @Test
  void aNodeWhoseInvariantBreaksStopsForGoodAndTheOthersCarryOn() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    cluster.putOk(leader, "before", "1");
    int victim = cluster.aFollower(leader);
    ClusterHarness.await("the victim to have applied the write", 5_000,
        () -> cluster.status(victim).orElseThrow().getLong("appliedIndex") >= 2);

    // An authenticated peer says index 1 holds something else: a committed entry conflicts.
    long term = cluster.status(victim).orElseThrow().getLong("term");
    int from = leader;
    AppendEntries impossible = new AppendEntries(from, victim, term + 1, 0, 0,
        List.of(new Entry(1, term + 1, "rewritten history")), 2, 0);
    Buffer body = RaftJson.encode(new Batch(from, victim, List.of(impossible)));
    Reply rpc = cluster.sendTo(cluster.member(victim).raftPort(), "POST",
        RaftRpcServer.MESSAGES_PATH, body.getBytes(), RaftRpcServer.TOKEN_HEADER,
        TestConfigs.TOKEN);
    assertThat(rpc.status()).isEqualTo(204);

    ClusterHarness.await("the node to halt", 5_000, () -> cluster.halts.containsKey(victim));
    assertThat(cluster.halts.get(victim)).hasMessageContaining("conflicts with committed entry");
    Reply refused = cluster.get(victim, "/v1/kv/before?consistency=stale");
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.json().getString("error")).contains("stopped after an internal error");
    ClusterHarness.await("its Raft port to close: it says nothing to its peers", 5_000, () -> {
      try {
        new ServerSocket(cluster.member(victim).raftPort()).close();
        return true;
      } catch (java.io.IOException stillBound) {
        return false;
      }
    });
    assertThat(cluster.putOk(leader, "after", "2")).isGreaterThan(1);
    assertThat(cluster.get(leader, "/v1/kv/before").text()).isEqualTo("1");
  }

  @Test
  void aWriteInFlightWhenTheLeaderShutsDownIsAnsweredOutcomeUnknown() {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    for (int id : cluster.runningIds()) if (id != leader) cluster.stop(id);
    long lastIndex = cluster.status(leader).orElseThrow().getLong("lastIndex");

    CompletableFuture<Reply> write = cluster.sendAsync(leader, "PUT", "/v1/kv/pending", "v");
    ClusterHarness.await("the write to be in the leader's log", 5_000,
        () -> cluster.status(leader).orElseThrow().getLong("lastIndex") > lastIndex);
    cluster.stop(leader);

    Reply answer = write.join();
    assertThat(answer.status()).as(answer.text()).isEqualTo(504);
    assertThat(answer.json().getString("error")).contains("may or may not be committed")
        .doesNotContain("nothing was written");
  }

  @Test
  void aReusedRequestIdIs422AndAFullTableRefusesNewIdsWith429UntilOldOnesExpire()
      throws InterruptedException {
    long roomForAboutFive = 5 * (180 + 2 * 6);
    long retentionMs = 2L * ClusterHarness.LIMITS.requestTimeoutMs(); // the shortest allowed
    cluster = ClusterHarness.started(new ClusterHarness(3, dataRoot,
        new NodeConfig.RequestIds(retentionMs, retentionMs, roomForAboutFive)));
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);

    Reply first = cluster.put(follower, "/v1/kv/a", "one", "X-Request-Id", "id-001");
    assertThat(first.status()).isEqualTo(200);
    Reply reused = cluster.put(leader, "/v1/kv/a", "two", "X-Request-Id", "id-001");
    assertThat(reused.status()).isEqualTo(422);
    assertThat(reused.json().getString("error")).contains("already used for a different request");
    assertThat(cluster.get(leader, "/v1/kv/a").text()).isEqualTo("one");

    int accepted = 1;
    Reply refused = null;
    for (int i = 2; i <= 20 && refused == null; i++) {
      Reply r = cluster.put(leader, "/v1/kv/b", "v" + i, "X-Request-Id", String.format("id-%03d", i));
      if (r.status() == 429) {
        refused = r;
      } else {
        assertThat(r.status()).isEqualTo(200);
        accepted++;
      }
    }
    assertThat(refused).as("a full table refuses new ids").isNotNull();
    assertThat(accepted).isBetween(4, 6);
    assertThat(refused.json().getString("error")).contains("requestIds.maxMemoryBytes")
        .contains("nothing was written");
    assertThat(cluster.put(leader, "/v1/kv/a", "one", "X-Request-Id", "id-001").revision())
        .as("a retry of a remembered id is still answered").isEqualTo(first.revision());
    assertThat(cluster.put(leader, "/v1/kv/c", "no id").status()).isEqualTo(200);
    assertThat(cluster.status(leader).orElseThrow().getJsonObject("requestIds").getLong("bytes"))
        .isGreaterThanOrEqualTo(roomForAboutFive);

    // Nothing but refused writes from now on: the leader's clock entries let old ids expire.
    long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retentionMs + 10_000);
    // A 503 (nothing written) means the leader changed on a slow machine: ask the new one.
    Reply later = null;
    for (int i = 100; System.nanoTime() < giveUp; i++) {
      later = cluster.put(leader, "/v1/kv/later", "v", "X-Request-Id", "later-" + i);
      if (later.status() != 429 && later.status() != 503) break;
      if (later.status() == 503) leader = cluster.awaitLeader();
      Thread.sleep(200);
    }
    assertThat(later.status()).as("a new id is taken once the old ones expired: " + later.text())
        .isEqualTo(200);
  }

  @Test
  void readsSayHowFarTheAnsweringNodeHasApplied() {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    cluster.putOk(leader, "k", "v");
    long applied = cluster.status(leader).orElseThrow().getLong("appliedIndex");

    Reply linearizable = cluster.get(follower, "/v1/kv/k");
    assertThat(Long.parseLong(linearizable.header("X-Applied-Index"))).isGreaterThanOrEqualTo(applied);
    ClusterHarness.await("the follower to apply the write", 5_000,
        () -> cluster.status(follower).orElseThrow().getLong("appliedIndex") >= applied);
    Reply stale = cluster.get(follower, "/v1/kv/k?consistency=stale");
    assertThat(stale.text()).isEqualTo("v");
    assertThat(Long.parseLong(stale.header("X-Applied-Index"))).isGreaterThanOrEqualTo(applied);
    Reply absent = cluster.get(follower, "/v1/kv/none?consistency=stale");
    assertThat(absent.status()).isEqualTo(404);
    assertThat(absent.header("X-Applied-Index")).isNotNull();
    assertThat(cluster.get(follower, "/v1/kv?prefix=&consistency=stale")
        .header("X-Applied-Index")).isNotNull();
  }

  @Test
  void aSecondNodeOnALiveDataDirectoryIsRefusedAndATakenPortIsNamed() throws Exception {
    cluster = ClusterHarness.started(1, dataRoot);
    cluster.awaitLeader();
    NodeConfig config = cluster.config(1);
    Vertx other = Vertx.vertx();
    try {
      assertThatThrownBy(() -> other.deployVerticle(
              new RaftVerticle(config, StorageOptions.defaults()))
          .timeout(10, TimeUnit.SECONDS).await())
          .hasMessageContaining("is in use by another raftkv process")
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
      assertThat(cluster.putOk(1, "still", "serving")).isPositive();

      NodeConfig elsewhere = config.toBuilder().dataDir(
          dataRoot.resolve("elsewhere").toString()).build();
      assertThatThrownBy(() -> other.deployVerticle(
              new RaftVerticle(elsewhere, StorageOptions.defaults()))
          .timeout(10, TimeUnit.SECONDS).await())
          .hasMessageContaining("cannot take Raft RPCs on 127.0.0.1:"
              + config.self().raftPort());
    } finally {
      other.close().await();
    }
  }
}
