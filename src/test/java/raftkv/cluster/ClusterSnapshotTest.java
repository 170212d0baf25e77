package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.config.NodeConfig;

/**
 * Real nodes with a low snapshot threshold: a follower that was down comes back through an
 * InstallSnapshot streamed in pieces over the Raft port, a restart starts from the newest intact
 * snapshot, a damaged one falls back to the one before, and a missing one the log depends on
 * stops the node with advice.
 */
@Timeout(90)
class ClusterSnapshotTest {

  @TempDir Path dataRoot;
  private ClusterHarness cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) cluster.close();
  }

  private ClusterHarness startCluster(long interval, long margin) {
    // pieces of 1 KiB: a snapshot of a few hundred keys goes in dozens of pieces
    NodeConfig.Snapshots snapshots = new NodeConfig.Snapshots(interval, 64L << 20, margin, 1024,
        64L << 20);
    // log segments of 8 KiB: compaction deletes whole segments, so there are some to delete
    cluster = ClusterHarness.started(new ClusterHarness(3, dataRoot,
        b -> b.snapshots(snapshots).storage(new NodeConfig.Storage(8 << 10))));
    return cluster;
  }

  @Test
  void aFollowerThatWasDownComesBackThroughInstallSnapshot() throws Exception {
    startCluster(50, 5);
    int leader = cluster.awaitLeader();
    int lagging = cluster.aFollower(leader);
    cluster.putOk(leader, "early", "x");
    cluster.stop(lagging);
    for (int i = 0; i < 300; i++) cluster.putOk(leader, "key-" + (i % 120), "value-" + i);
    JsonObject leaderStatus = cluster.status(leader).orElseThrow();
    assertThat(leaderStatus.getLong("firstIndex")).as("the leader compacted its log")
        .isGreaterThan(100);
    assertThat(leaderStatus.getJsonObject("snapshot").getLong("bytes")).isGreaterThan(1024);

    cluster.start(lagging);
    long target = leaderStatus.getLong("commitIndex");
    ClusterHarness.await("the follower to catch up", 20_000, () -> cluster.status(lagging)
        .map(s -> s.getLong("appliedIndex") >= target).orElse(false));

    JsonObject caughtUp = cluster.status(lagging).orElseThrow();
    assertThat(caughtUp.getJsonObject("snapshot").getLong("index"))
        .as("it installed a snapshot from the leader").isGreaterThan(100);
    assertThat(caughtUp.getLong("firstIndex")).isGreaterThan(100);
    ClusterHarness.await("equal digests", 10_000, () -> sameDigest(leader, lagging));
    assertThat(cluster.get(lagging, "/v1/kv/key-7?consistency=stale").text())
        .isEqualTo(cluster.get(leader, "/v1/kv/key-7").text());
    assertThat(cluster.get(lagging, "/v1/kv/early?consistency=stale").text()).isEqualTo("x");
    try (Stream<Path> files = Files.list(dataRoot.resolve("node" + lagging))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.matches("snap-\\d{20}\\.jsonl"))
          .noneMatch(n -> n.endsWith(".partial"));
    }
  }

  @Test
  void aRestartStartsFromTheSnapshotAndKeepsEverything() throws Exception {
    startCluster(40, 10);
    int leader = cluster.awaitLeader();
    for (int i = 0; i < 200; i++) cluster.putOk(leader, "k" + (i % 50), "v" + i);
    String digest = cluster.status(leader).orElseThrow().getString("digest");
    for (int id : List.of(1, 2, 3)) cluster.stop(id);
    for (int id : List.of(1, 2, 3)) {
      assertThat(snapshotFiles(id)).as("node " + id + " keeps its newest two snapshots")
          .hasSizeBetween(1, 2);
      assertThat(logSegments(id)).as("node " + id + " deleted the segments its snapshot covers")
          .noneMatch(p -> p.getFileName().toString().equals("log-00000000000000000001.jsonl"));
    }

    for (int id : List.of(1, 2, 3)) cluster.start(id);
    int newLeader = cluster.awaitLeader();
    assertThat(cluster.status(newLeader).orElseThrow().getLong("firstIndex")).isGreaterThan(1);
    assertThat(cluster.get(newLeader, "/v1/kv/k49").text()).isEqualTo("v199");
    ClusterHarness.await("every node back with the same state", 10_000,
        () -> List.of(1, 2, 3).stream().allMatch(id -> cluster.status(id)
            .map(s -> digest.equals(s.getString("digest"))).orElse(false)));
  }

  @Test
  void aDamagedNewestSnapshotFallsBackToTheOneBefore() throws Exception {
    startCluster(30, 200); // the log reaches back past the snapshot before the newest
    int leader = cluster.awaitLeader();
    for (int i = 0; i < 100; i++) cluster.putOk(leader, "k" + (i % 20), "v" + i);
    int victim = cluster.aFollower(leader);
    ClusterHarness.await("two snapshots on the victim", 10_000,
        () -> snapshotFiles(victim).size() == 2);
    String digest = cluster.status(leader).orElseThrow().getString("digest");
    cluster.stop(victim);
    Path newest = snapshotFiles(victim).get(0);
    byte[] bytes = Files.readAllBytes(newest);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(newest, bytes);

    cluster.start(victim);
    ClusterHarness.await("the victim back with the same state", 10_000, () -> cluster
        .status(victim).map(s -> digest.equals(s.getString("digest"))).orElse(false));
    assertThat(newest.resolveSibling(newest.getFileName() + ".damaged")).exists();
  }

  @Test
  void aMissingSnapshotTheLogDependsOnStopsTheNodeWithAdvice() throws Exception {
    startCluster(30, 0);
    int leader = cluster.awaitLeader();
    for (int i = 0; i < 100; i++) cluster.putOk(leader, "k" + (i % 20), "v" + i);
    int victim = cluster.aFollower(leader);
    cluster.stop(victim);
    for (Path p : snapshotFiles(victim)) Files.delete(p);
    // the log was compacted up to the snapshot, so it starts after index 1: a gap remains
    assertThatThrownBy(() -> cluster.start(victim))
        .hasStackTraceContaining("are in neither")
        .hasStackTraceContaining("copy the newest snap-*.jsonl from a healthy member");
  }

  private boolean sameDigest(int a, int b) {
    String da = cluster.status(a).map(s -> s.getString("digest")).orElse("a");
    String db = cluster.status(b).map(s -> s.getString("digest")).orElse("b");
    return da.equals(db);
  }

  private List<Path> logSegments(int id) {
    try (Stream<Path> files = Files.list(dataRoot.resolve("node" + id))) {
      return files.filter(p -> p.getFileName().toString().startsWith("log-")).toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private List<Path> snapshotFiles(int id) {
    try (Stream<Path> files = Files.list(dataRoot.resolve("node" + id))) {
      return files.filter(p -> p.getFileName().toString().matches("snap-\\d{20}\\.jsonl"))
          .sorted((x, y) -> y.getFileName().compareTo(x.getFileName())).toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
