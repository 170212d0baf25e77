package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.testing.TestHttp.Reply;

/**
 * Three real nodes (Raft verticle and front end each, in Vertx instances of their own) on real
 * sockets, driven only through the client HTTP API of docs/API.md.
 */
@Timeout(60)
class ClusterTest {

  @TempDir Path dataRoot;
  private ClusterHarness cluster;
  private int leader;
  private int follower;

  @BeforeEach
  void startCluster() {
    cluster = ClusterHarness.started(3, dataRoot);
    leader = cluster.awaitLeader();
    follower = cluster.aFollower(leader);
  }

  @AfterEach
  void stopCluster() {
    if (cluster != null) cluster.close();
  }

  @Test
  void writesAndReadsOnLeaderAndFollower() {
    long r1 = cluster.putOk(leader, "colour", "red");
    Reply read = cluster.get(leader, "/v1/kv/colour");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.text()).isEqualTo("red");
    assertThat(read.header("X-Revision")).isEqualTo(Long.toString(r1));

    // A follower forwards both the write and the (linearizable, by default) read.
    long r2 = cluster.putOk(follower, "colour", "green");
    assertThat(r2).isEqualTo(r1 + 1);
    Reply onFollower = cluster.get(follower, "/v1/kv/colour");
    assertThat(onFollower.status()).isEqualTo(200);
    assertThat(onFollower.text()).isEqualTo("green");
    assertThat(onFollower.header("X-Revision")).isEqualTo(Long.toString(r2));
    Reply explicit = cluster.get(follower, "/v1/kv/colour?consistency=linearizable");
    assertThat(explicit.text()).isEqualTo("green");

    long r3 = cluster.putOk(follower, "shape", "round");
    assertThat(r3).isEqualTo(r2 + 1);

    // A stale read is served locally and catches up.
    for (int id : cluster.runningIds()) {
      ClusterHarness.await("a stale read of 'shape' on node " + id, 5_000, () -> {
        Reply stale = cluster.get(id, "/v1/kv/shape?consistency=stale");
        return stale.status() == 200 && stale.text().equals("round")
            && Long.toString(r3).equals(stale.header("X-Revision"));
      });
    }
    assertThat(cluster.get(follower, "/v1/kv/absent").status()).isEqualTo(404);
  }

  @Test
  void compareAndSetDeleteAndListing() {
    Reply created = cluster.put(follower, "/v1/kv/lock?prevRevision=0", "mine");
    assertThat(created.status()).as(created.text()).isEqualTo(200);
    long rev = created.revision();

    Reply again = cluster.put(leader, "/v1/kv/lock?prevRevision=0", "theirs");
    assertThat(again.status()).isEqualTo(412);
    assertThat(again.json().getLong("revision")).isEqualTo(rev);
    assertThat(again.json().getString("error")).isNotBlank();

    Reply stale = cluster.put(follower, "/v1/kv/lock?prevRevision=" + (rev - 1), "theirs");
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.json().getLong("revision")).isEqualTo(rev);

    Reply swapped = cluster.put(follower, "/v1/kv/lock?prevRevision=" + rev, "yours");
    assertThat(swapped.status()).as(swapped.text()).isEqualTo(200);
    assertThat(swapped.revision()).isEqualTo(rev + 1);
    assertThat(cluster.get(leader, "/v1/kv/lock").text()).isEqualTo("yours");

    Reply deleted = cluster.delete(follower, "/v1/kv/lock");
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().getBoolean("deleted")).isTrue();
    assertThat(deleted.revision()).isEqualTo(rev + 2);
    assertThat(cluster.get(follower, "/v1/kv/lock").status()).isEqualTo(404);

    Reply absent = cluster.delete(leader, "/v1/kv/lock");
    assertThat(absent.status()).isEqualTo(200);
    assertThat(absent.json().getBoolean("deleted")).isFalse();

    // Written out of order; listed in key order, cut at the limit; other prefixes left out.
    for (String key : List.of("fruit/pear", "fruit/apple", "veg/leek", "fruit/fig", "fruits")) {
      cluster.putOk(leader, key, "v-" + key);
    }
    Reply listed = cluster.get(follower, "/v1/kv?prefix=fruit/&limit=2");
    assertThat(listed.status()).as(listed.text()).isEqualTo(200);
    JsonArray list = listed.jsonArray();
    assertThat(keys(list)).containsExactly("fruit/apple", "fruit/fig");
    assertThat(list.getJsonObject(0).getInteger("size")).isEqualTo("v-fruit/apple".length());
    assertThat(keys(cluster.get(leader, "/v1/kv?prefix=fruit").jsonArray()))
        .containsExactly("fruit/apple", "fruit/fig", "fruit/pear", "fruits");
  }

  private static List<String> keys(JsonArray list) {
    return list.stream().map(o -> ((JsonObject) o).getString("key")).collect(Collectors.toList());
  }

  @Test
  void retriedRequestIsAppliedOnce() {
    long before = cluster.putOk(leader, "counter", "0");
    Reply first = cluster.put(follower, "/v1/kv/counter", "1", "X-Request-Id", "req-42");
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.revision()).isEqualTo(before + 1);

    // The retry, to any node, answers with the first result.
    Reply retry = cluster.put(leader, "/v1/kv/counter", "1", "X-Request-Id", "req-42");
    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.revision()).isEqualTo(first.revision());
    Reply retryViaFollower = cluster.put(follower, "/v1/kv/counter", "1", "X-Request-Id", "req-42");
    assertThat(retryViaFollower.revision()).isEqualTo(first.revision());

    Reply read = cluster.get(leader, "/v1/kv/counter");
    assertThat(read.header("X-Revision")).isEqualTo(Long.toString(first.revision()));
    assertThat(cluster.status(leader).orElseThrow().getLong("revision"))
        .isEqualTo(first.revision());
    // The next write gets the next revision: the retries did not use any up.
    assertThat(cluster.putOk(leader, "counter", "2")).isEqualTo(first.revision() + 1);
  }

  @Test
  void newLeaderTakesOverAndKeepsAcknowledgedWrites() {
    long r1 = cluster.putOk(follower, "before/1", "one");
    long r2 = cluster.putOk(leader, "before/2", "two");
    Reply once = cluster.put(leader, "/v1/kv/once", "first", "X-Request-Id", "req-failover");
    assertThat(once.status()).isEqualTo(200);

    cluster.stop(leader);
    int newLeader = cluster.awaitLeader();
    assertThat(newLeader).isNotEqualTo(leader);
    int other = cluster.aFollower(newLeader);

    // On a busy machine the new leader may yet lose its term (its one follower's heartbeats late):
    // the client here retries as API.md says a client may, which changes nothing it asserts.
    assertThat(cluster.retrying(other, "GET", "/v1/kv/before/1", null).text()).isEqualTo("one");
    Reply two = cluster.retrying(newLeader, "GET", "/v1/kv/before/2", null);
    assertThat(two.text()).isEqualTo("two");
    assertThat(two.header("X-Revision")).isEqualTo(Long.toString(r2));

    // A retry that reaches the new leader still answers with the first result.
    Reply retried = cluster.retrying(other, "PUT", "/v1/kv/once", "first", "X-Request-Id",
        "req-failover");
    assertThat(retried.status()).as(retried.text()).isEqualTo(200);
    assertThat(retried.revision()).isEqualTo(once.revision());
    assertThat(cluster.retrying(newLeader, "GET", "/v1/kv/once", null).header("X-Revision"))
        .isEqualTo(Long.toString(once.revision()));

    Reply after = cluster.retrying(other, "PUT", "/v1/kv/after", "three", "X-Request-Id",
        "req-after");
    assertThat(after.status()).as(after.text()).isEqualTo(200);
    assertThat(after.revision()).isGreaterThan(once.revision()).isGreaterThan(r2)
        .isGreaterThan(r1);
    assertThat(cluster.retrying(other, "GET", "/v1/kv/after", null).text()).isEqualTo("three");
  }

  @Test
  void restartedFollowerCatchesUpFromItsDataDir() {
    cluster.putOk(leader, "k", "v1");
    cluster.stop(follower);

    // Written while it was away.
    long last = 0;
    for (int i = 2; i <= 20; i++) last = cluster.putOk(leader, "k", "v" + i);
    cluster.putOk(leader, "while-away", "yes");
    long lastRevision = cluster.putOk(leader, "k", "latest");
    assertThat(lastRevision).isGreaterThan(last);

    cluster.start(follower);
    int currentLeader = cluster.awaitLeader();
    long leaderApplied = cluster.status(currentLeader).orElseThrow().getLong("appliedIndex");
    ClusterHarness.await("the restarted node to apply up to the leader's index", 10_000,
        () -> cluster.status(follower).orElseThrow().getLong("appliedIndex") >= leaderApplied);
    Reply stale = cluster.get(follower, "/v1/kv/k?consistency=stale");
    assertThat(stale.status()).isEqualTo(200);
    assertThat(stale.text()).isEqualTo("latest");
    assertThat(stale.header("X-Revision")).isEqualTo(Long.toString(lastRevision));
    assertThat(cluster.get(follower, "/v1/kv/while-away?consistency=stale").text())
        .isEqualTo("yes");

    ClusterHarness.await("every node to report the same applied index and digest", 10_000, () -> {
      List<JsonObject> all = cluster.runningIds().stream()
          .map(id -> cluster.status(id).orElseThrow()).toList();
      return all.stream().map(s -> s.getLong("appliedIndex")).distinct().count() == 1
          && all.stream().map(s -> s.getValue("digest")).filter(Objects::nonNull)
              .distinct().count() == 1
          && all.stream().allMatch(s -> s.getValue("digest") != null);
    });
  }

  @Test
  void wholeClusterRestartKeepsAcknowledgedWrites() {
    long kept = cluster.putOk(follower, "durable", "yes");
    Reply once = cluster.put(leader, "/v1/kv/once", "first", "X-Request-Id", "req-restart");
    assertThat(once.status()).isEqualTo(200);

    List<Integer> all = cluster.runningIds();
    all.forEach(cluster::stop);
    all.forEach(cluster::start);
    int newLeader = cluster.awaitLeader();

    Reply read = cluster.get(cluster.aFollower(newLeader), "/v1/kv/durable");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.text()).isEqualTo("yes");
    assertThat(read.header("X-Revision")).isEqualTo(Long.toString(kept));
    Reply retried = cluster.put(newLeader, "/v1/kv/once", "first", "X-Request-Id", "req-restart");
    assertThat(retried.revision()).isEqualTo(once.revision());
    assertThat(cluster.putOk(newLeader, "durable", "still")).isEqualTo(once.revision() + 1);
  }
}
