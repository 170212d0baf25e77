package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.config.NodeConfig;
import raftkv.testing.TestHttp.Reply;

/**
 * {@code GET /metrics} of live nodes: the Prometheus text format, the series docs/API.md and the
 * README promise, and values that follow what the cluster did (writes, reads, an election, a
 * snapshot, a follower stopped).
 */
class ClusterMetricsTest {

  @TempDir Path dataRoot;

  /** {@code name{labels} value} lines of one scrape, keyed by name and labels as written. */
  private static Map<String, Double> scrape(ClusterHarness cluster, int id) {
    Reply r = cluster.get(id, "/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    Map<String, Double> series = new HashMap<>();
    Matcher m = Pattern.compile("(?m)^([a-z_]+(?:\\{.*\\})?) (\\S+)$").matcher(r.text());
    while (m.find()) series.put(m.group(1), Double.parseDouble(m.group(2)));
    return series;
  }

  private static double value(Map<String, Double> series, String name, String labels) {
    String key = name + "{" + labels + "}";
    assertThat(series).as("series " + key).containsKey(key);
    return series.get(key);
  }

  @Test
  void followWhatTheClusterDoes() {
    // snapshots every 50 entries, so one is taken during the test
    try (ClusterHarness cluster = ClusterHarness.started(new ClusterHarness(3, dataRoot,
        b -> b.snapshots(new NodeConfig.Snapshots(50, 64L << 20, 10, 1 << 20, 64L << 20))))) {
      int leader = cluster.awaitLeader();
      int follower = cluster.aFollower(leader);
      for (int i = 0; i < 60; i++) cluster.putOk(follower, "k" + i, "v" + i);
      assertThat(cluster.get(leader, "/v1/kv/k1").status()).isEqualTo(200);
      assertThat(cluster.get(leader, "/v1/kv/nope").status()).isEqualTo(404);

      String l = "node=\"" + leader + "\"";
      ClusterHarness.await("a snapshot on the leader", 10_000,
          () -> scrape(cluster, leader).getOrDefault(
              "raftkv_snapshot_duration_seconds_count{" + l + "}", 0.0) >= 1);
      Map<String, Double> s = scrape(cluster, leader);
      assertThat(value(s, "raftkv_raft_role", l + ",role=\"leader\"")).isEqualTo(1);
      assertThat(value(s, "raftkv_raft_role", l + ",role=\"follower\"")).isZero();
      assertThat(value(s, "raftkv_raft_leader_id", l)).isEqualTo(leader);
      assertThat(value(s, "raftkv_raft_term", l)).isPositive();
      assertThat(value(s, "raftkv_raft_elections_won_total", l)).isGreaterThanOrEqualTo(1);
      assertThat(value(s, "raftkv_raft_proposals_total", l)).isGreaterThanOrEqualTo(60);
      assertThat(value(s, "raftkv_kv_writes_served_total", l)).isGreaterThanOrEqualTo(60);
      assertThat(value(s, "raftkv_kv_keys", l)).isEqualTo(60);
      assertThat(value(s, "raftkv_raft_readindex_rounds_total", l)).isGreaterThanOrEqualTo(1);
      assertThat(value(s, "raftkv_raft_commit_index", l))
          .isEqualTo(value(s, "raftkv_raft_applied_index", l));
      assertThat(value(s, "raftkv_storage_fsync_duration_seconds_count", l))
          .isGreaterThanOrEqualTo(1);
      assertThat(value(s, "raftkv_storage_fsync_entries_sum", l)).isGreaterThanOrEqualTo(60);
      assertThat(value(s, "raftkv_storage_written_bytes_total", l)).isGreaterThan(60 * 10);
      assertThat(value(s, "raftkv_raft_append_entries_sum", l)).isGreaterThanOrEqualTo(120);
      assertThat(value(s, "raftkv_snapshot_size_bytes", l)).isPositive();
      assertThat(value(s, "raftkv_raft_snapshot_index", l)).isGreaterThanOrEqualTo(50);
      String toFollower = l + ",peer=\"" + follower + "\"";
      assertThat(value(s, "raftkv_transport_requests_total", toFollower)).isPositive();
      assertThat(value(s, "raftkv_transport_messages_delivered_total", toFollower)).isPositive();
      // the reads and the 404 are counted by route and status, the keys folded into one route
      assertThat(value(s, "raftkv_http_requests_total",
          "code=\"404\",method=\"GET\"," + l + ",route=\"/v1/kv/{key}\"")).isEqualTo(1);
      assertThat(value(s, "raftkv_http_request_duration_seconds_count",
          "method=\"PUT\"," + l + ",route=\"/v1/kv/{key}\"")).isGreaterThanOrEqualTo(60);
      assertThat(value(s, "raftkv_http_request_duration_seconds_bucket",
          "method=\"PUT\"," + l + ",route=\"/v1/kv/{key}\",le=\"+Inf\""))
          .isGreaterThanOrEqualTo(60);
      // the follower forwarded its writes: counted there too, as PUTs answered 200
      Map<String, Double> f = scrape(cluster, follower);
      String fl = "node=\"" + follower + "\"";
      assertThat(value(f, "raftkv_http_requests_total",
          "code=\"200\",method=\"PUT\"," + fl + ",route=\"/v1/kv/{key}\"")).isEqualTo(60);
      assertThat(value(f, "raftkv_raft_role", fl + ",role=\"follower\"")).isEqualTo(1);
      assertThat(value(f, "raftkv_kv_writes_served_total", fl)).isZero();

      // a stopped follower: the leader's lag for it grows with every write
      cluster.stop(follower);
      for (int i = 0; i < 5; i++) cluster.putOk(leader, "after" + i, "v");
      String lagFor = "follower=\"" + follower + "\"," + l; // labels in alphabetical order
      assertThat(value(scrape(cluster, leader), "raftkv_raft_follower_lag_entries", lagFor))
          .isGreaterThanOrEqualTo(5);
      assertThat(value(scrape(cluster, leader), "raftkv_transport_request_failures_total",
          toFollower)).isPositive();
    }
  }

  @Test
  void metricsOffAnswer404AndRecordNothing() {
    try (ClusterHarness cluster = ClusterHarness.started(new ClusterHarness(1, dataRoot,
        b -> b.metrics(new NodeConfig.Metrics(false))))) {
      cluster.awaitLeader();
      Reply r = cluster.get(1, "/metrics");
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.error()).contains("metrics.enabled");
    }
  }
}
