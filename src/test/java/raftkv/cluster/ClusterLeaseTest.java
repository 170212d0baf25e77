package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.testing.SseStream;
import raftkv.testing.TestHttp.Reply;

/**
 * Leases on real nodes: granted, kept alive through any node, expired by the leader through the
 * log (every node deletes the keys, watchers see the deletes), revoked, kept across a leader
 * failover while their holder keeps them alive, and across a restart of every node.
 */
@Timeout(120)
class ClusterLeaseTest {

  @TempDir Path dataRoot;
  private ClusterHarness cluster;

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  private long grant(int node, long ttlMs) {
    Reply r = cluster.retrying(node, "POST", "/v1/leases", "{\"ttlMs\":" + ttlMs + "}");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getLong("id");
  }

  private int keepAlive(int node, long lease) {
    return cluster.retrying(node, "POST", "/v1/leases/" + lease + "/keepalive", null).status();
  }

  private void putWithLease(int node, String key, long lease) {
    Reply r = cluster.retrying(node, "PUT", "/v1/kv/" + key + "?lease=" + lease, "held");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
  }

  private boolean absentEverywhere(String key) {
    return cluster.runningIds().stream().allMatch(id ->
        cluster.get(id, "/v1/kv/" + key + "?consistency=stale").status() == 404);
  }

  @Test
  void aLeaseNobodyKeepsAliveExpiresAndTakesItsKeysEverywhere() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    Reply granted = cluster.send(follower, "POST", "/v1/leases", "{\"ttlMs\":10}");
    assertThat(granted.status()).as(granted.text()).isEqualTo(200);
    assertThat(granted.json().getLong("ttlMs")).as("raised to leases.minTtlMs").isEqualTo(1000);
    long lease = granted.json().getLong("id");
    putWithLease(follower, "session", lease);
    cluster.putOk(leader, "plain", "stays");
    try (SseStream watch = SseStream.open(cluster.member(follower).clientPort(),
        "/v1/watch?key=session&fromRevision=1")) {
      assertThat(watch.changes(1, 5_000).get(0).json().getLong("lease")).isEqualTo(lease);
      long started = System.nanoTime();
      SseStream.Event deleted = watch.nextChange(10_000);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(deleted.json().getString("type")).isEqualTo("delete");
      assertThat(deleted.json().getLong("lease")).isEqualTo(lease);
      assertThat(tookMs).as("expired within its ttl and some slack").isLessThan(5_000);
    }
    ClusterHarness.await("every node to delete the key", 5_000,
        () -> absentEverywhere("session"));
    assertThat(cluster.get(leader, "/v1/kv/plain").status()).isEqualTo(200);
    assertThat(keepAlive(leader, lease)).isEqualTo(404);
    assertThat(cluster.get(follower, "/v1/leases/" + lease).status()).isEqualTo(404);
    Reply late = cluster.send(leader, "PUT", "/v1/kv/late?lease=" + lease, "x");
    assertThat(late.status()).isEqualTo(404);
    assertThat(late.json().getString("error")).contains("lease " + lease + " does not exist");
  }

  @Test
  void keepAlivesThroughAFollowerKeepTheLeaseAndALookUpShowsIt() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    long lease = grant(leader, 1_000);
    putWithLease(leader, "kept/a", lease);
    putWithLease(leader, "kept/b", lease);
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3_000);
    while (System.nanoTime() < until) {
      Reply r = cluster.send(follower, "POST", "/v1/leases/" + lease + "/keepalive", null);
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.json().getLong("ttlMs")).isEqualTo(1_000);
      Thread.sleep(300);
    }
    assertThat(cluster.get(leader, "/v1/kv/kept%2Fa").status()).isEqualTo(200);
    JsonObject info = cluster.get(follower, "/v1/leases/" + lease).json();
    assertThat(info.getLong("ttlMs")).isEqualTo(1_000);
    assertThat(info.getLong("remainingMs")).isBetween(1L, 1_000L);
    assertThat(info.getJsonArray("keys").getList()).containsExactly("kept/a", "kept/b");

    Reply revoked = cluster.send(follower, "DELETE", "/v1/leases/" + lease, null);
    assertThat(revoked.status()).as(revoked.text()).isEqualTo(200);
    assertThat(revoked.json().getLong("deletedKeys")).isEqualTo(2);
    assertThat(cluster.get(leader, "/v1/kv/kept%2Fb").status()).isEqualTo(404);
    assertThat(cluster.send(leader, "DELETE", "/v1/leases/" + lease, null).status())
        .isEqualTo(404);
  }

  @Test
  void badLeaseRequestsAreRefusedAndChangeNothing() {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    for (String body : new String[] {"", "{}", "[1]", "{\"ttlMs\":\"5\"}", "{\"ttlMs\":-1}",
        "{\"ttlMs\":1000,\"x\":1}", "{\"ttlMs\":1000}x", "{\"ttlMs\":999999999999999}"}) {
      assertThat(cluster.send(leader, "POST", "/v1/leases", body).status()).as(body)
          .isEqualTo(400);
    }
    assertThat(cluster.send(leader, "POST", "/v1/leases/abc/keepalive", null).status())
        .isEqualTo(400);
    assertThat(cluster.send(leader, "POST", "/v1/leases/0/keepalive", null).status())
        .isEqualTo(400);
    assertThat(cluster.send(leader, "POST", "/v1/leases/77/keepalive", null).status())
        .isEqualTo(404);
    assertThat(cluster.send(leader, "PUT", "/v1/kv/k?lease=-3", "v").status()).isEqualTo(400);
    Reply wrongMethod = cluster.send(leader, "PUT", "/v1/leases/5", "x");
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.headers().get("allow")).isEqualTo("GET, HEAD, DELETE");
    assertThat(cluster.send(leader, "GET", "/v1/leases", null).headers().get("allow"))
        .isEqualTo("POST");
    assertThat(cluster.status(leader).orElseThrow().getLong("revision")).isZero();
  }

  @Test
  void aLeaseKeptAliveOutlivesLeaderFailovers() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    long lease = grant(leader, 1_500);
    putWithLease(leader, "holder", lease);
    AtomicBoolean keeping = new AtomicBoolean(true);
    AtomicInteger notFound = new AtomicInteger();
    Thread keeper = new Thread(() -> {
      while (keeping.get()) {
        for (int id : cluster.runningIds()) { // whichever node answers
          int status = keepAlive(id, lease);
          if (status == 404) notFound.incrementAndGet();
          if (status == 200 || status == 404) break;
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    keeper.start();
    try {
      for (int round = 0; round < 2; round++) {
        int old = cluster.awaitLeader();
        cluster.stop(old);
        int next = cluster.awaitLeader();
        assertThat(next).isNotEqualTo(old);
        Thread.sleep(2_500); // longer than the ttl: only keep-alives keep the key
        assertThat(cluster.get(next, "/v1/kv/holder").status()).isEqualTo(200);
        cluster.start(old);
      }
    } finally {
      keeping.set(false);
      keeper.join();
    }
    assertThat(notFound.get()).as("keep-alives answered 404").isZero();
    ClusterHarness.await("the lease to expire once let go", 10_000,
        () -> absentEverywhere("holder"));
  }

  @Test
  void leasesSurviveARestartOfEveryNode() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    long lease = grant(leader, 60_000);
    putWithLease(leader, "durable", lease);
    for (int id : cluster.runningIds()) cluster.stop(id);
    for (int id = 1; id <= 3; id++) cluster.start(id);
    leader = cluster.awaitLeader();
    assertThat(keepAlive(leader, lease)).isEqualTo(200);
    JsonObject info = cluster.get(leader, "/v1/leases/" + lease).json();
    assertThat(info.getJsonArray("keys").getList()).containsExactly("durable");
    assertThat(cluster.retrying(leader, "DELETE", "/v1/leases/" + lease, null).status())
        .isEqualTo(200);
    ClusterHarness.await("the revoke to reach every node", 5_000,
        () -> absentEverywhere("durable"));
  }
}
