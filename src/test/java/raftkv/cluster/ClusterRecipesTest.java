package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.testing.SseStream;
import raftkv.testing.TestHttp.Reply;

/**
 * The recipes of docs/RECIPES.md, step by step as written there, against real nodes: a lock
 * (leader election) made of a lease, a create-only write and a watch on the predecessor, and
 * service registration with a lease kept alive.
 */
@Timeout(120)
class ClusterRecipesTest {

  @TempDir Path dataRoot;
  private ClusterHarness cluster;

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  /** One contender for the lock {@code name}, following the recipe. */
  private final class Contender implements AutoCloseable {
    final int node;
    final long lease;
    final String myKey;
    final long myRevision;
    SseStream watch;

    /** Steps 1-2: a lease, and a key of its own under the lock's prefix, created only. */
    Contender(int node, String name, long ttlMs) {
      this.node = node;
      Reply granted = cluster.retrying(node, "POST", "/v1/leases", "{\"ttlMs\":" + ttlMs + "}");
      lease = granted.json().getLong("id");
      myKey = name + "/" + lease;
      Reply created = cluster.retrying(node, "PUT",
          "/v1/kv/" + myKey.replace("/", "%2F") + "?prevRevision=0&lease=" + lease, "me");
      assertThat(created.status()).as(created.text()).isEqualTo(200);
      myRevision = created.json().getLong("revision");
    }

    /**
     * Steps 3-4: list the prefix; the lowest revision holds the lock. Otherwise watch the key
     * just before mine (by revision) from after the revision it was written at, and check again
     * when it is deleted. Returns true once this contender holds the lock.
     */
    boolean tryAcquire(String name) throws Exception {
      Reply listed = cluster.get(node, "/v1/kv?prefix=" + name + "/");
      List<JsonObject> keys = new ArrayList<>();
      for (Object o : listed.jsonArray()) keys.add((JsonObject) o);
      keys.sort(Comparator.comparingLong(k -> k.getLong("revision")));
      JsonObject predecessor = null;
      for (JsonObject k : keys) {
        if (k.getLong("revision") >= myRevision) break;
        predecessor = k;
      }
      if (predecessor == null) return true;
      if (watch != null) watch.close();
      watch = SseStream.open(cluster.member(node).clientPort(), "/v1/watch?key="
          + predecessor.getString("key") + "&fromRevision=" + (predecessor.getLong("revision") + 1));
      return false;
    }

    /** Waits until the watched predecessor is deleted; then {@link #tryAcquire} again. */
    void awaitPredecessorGone(long timeoutMs) throws Exception {
      SseStream.Event e = watch.nextChange(timeoutMs);
      assertThat(e.json().getString("type")).isEqualTo("delete");
    }

    void release() {
      cluster.retrying(node, "DELETE", "/v1/leases/" + lease, null);
    }

    @Override
    public void close() throws java.io.IOException {
      if (watch != null) watch.close();
    }
  }

  @Test
  void theLockPassesInOrderOnReleaseAndOnExpiry() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    try (Contender first = new Contender(leader, "locks/job", 1_000);
        Contender second = new Contender(follower, "locks/job", 1_000);
        Contender third = new Contender(follower, "locks/job", 60_000)) {
      assertThat(first.tryAcquire("locks/job")).isTrue();
      assertThat(second.tryAcquire("locks/job")).isFalse();
      assertThat(third.tryAcquire("locks/job")).isFalse();

      // the holder releases: the next in line, and only it, gets the lock
      for (int i = 0; i < 3; i++) {
        assertThat(cluster.retrying(leader, "POST", "/v1/leases/" + second.lease
            + "/keepalive", null).status()).isEqualTo(200);
        Thread.sleep(300);
      }
      first.release();
      second.awaitPredecessorGone(5_000);
      assertThat(second.tryAcquire("locks/job")).isTrue();
      assertThat(third.tryAcquire("locks/job")).isFalse();

      // the holder dies (stops keeping its lease alive): its lease expires, the lock passes
      long diedAt = System.nanoTime();
      third.awaitPredecessorGone(10_000);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - diedAt);
      assertThat(third.tryAcquire("locks/job")).isTrue();
      assertThat(tookMs).as("within the ttl and the documented bound").isLessThan(6_000);
    }
  }

  @Test
  void aServiceRegistersWithALeaseAndDisappearsWhenItStops() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    try (SseStream registry = SseStream.open(cluster.member(follower).clientPort(),
        "/v1/watch?prefix=services/web/")) {
      registry.awaitProgress(5_000);
      long lease = cluster.retrying(leader, "POST", "/v1/leases", "{\"ttlMs\":1000}").json()
          .getLong("id");
      assertThat(cluster.retrying(leader, "PUT", "/v1/kv/services%2Fweb%2Fa?lease=" + lease,
          "{\"url\":\"http://10.0.0.7:80\"}").status()).isEqualTo(200);
      SseStream.Event up = registry.nextChange(5_000);
      assertThat(up.json().getString("key")).isEqualTo("services/web/a");
      // alive: keep-alives every ttl/3
      for (int i = 0; i < 8; i++) {
        assertThat(cluster.retrying(follower, "POST", "/v1/leases/" + lease + "/keepalive",
            null).status()).isEqualTo(200);
        Thread.sleep(330);
      }
      JsonArray listed = cluster.get(follower, "/v1/kv?prefix=services/web/").jsonArray();
      assertThat(listed).hasSize(1);
      // it stops: the registry sees it go
      SseStream.Event down = registry.nextChange(10_000);
      assertThat(down.json().getString("type")).isEqualTo("delete");
      assertThat(down.json().getString("key")).isEqualTo("services/web/a");
    }
  }
}
