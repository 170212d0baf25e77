package raftkv.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.check.CheckResult;
import raftkv.check.KvInput;
import raftkv.check.KvModel;
import raftkv.check.KvOutput;
import raftkv.check.LinearizabilityChecker;
import raftkv.check.Operation;
import raftkv.check.Verdict;
import raftkv.testing.TestHttp.Reply;
import raftkv.testing.TestHttp;

/**
 * The whole product under faults, through {@code cluster.sh}: real processes, real disks, real
 * HTTP. Clients write and read concurrently while the leader is SIGKILLed and restarted and a
 * follower is paused and resumed, several rounds; or, with a low snapshot threshold, while a
 * SIGKILLed follower falls so far behind that it can only come back through InstallSnapshot. At
 * the end the history must be linearizable, every node must report the same state digest, and
 * every process started is stopped. A third test replaces a dead machine: node 3 is killed for
 * good, node 4 added as a learner and promoted, node 3 removed, and leadership transferred
 * twice, while the clients write and read through the gateway.
 */
class ClusterShFaultIT {

  private static final int BASE_PORT = 17_100;
  private static final int NODES = 3;
  private static final int CLIENTS = 6;
  private static final int ROUNDS = 3;
  private static final List<String> KEYS = List.of("x", "y", "z");

  @TempDir Path data;
  private final Vertx clientVertx = Vertx.vertx();
  private final TestHttp kvHttp = new TestHttp(clientVertx, 6_000);
  private final TestHttp statusHttp = new TestHttp(clientVertx, 1_000);
  private final List<Operation<KvInput, KvOutput>> history =
      Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong attempted = new AtomicLong();
  private String nodeArgs = "";
  private final List<Thread> clients = new ArrayList<>();
  /** The nodes that are members and up: those the checks ask. */
  private final List<Integer> nodes = new CopyOnWriteArrayList<>(List.of(1, 2, 3));
  /** Whether the clients use the gateway only (otherwise a node or the gateway at random). */
  private boolean gatewayOnly;

  private void startCluster(String args) throws Exception {
    assertThat(Path.of(System.getProperty("raftkv.jar", "target/raftkv.jar"))).exists();
    nodeArgs = args;
    String out = clusterSh("start", Integer.toString(NODES));
    assertThat(out).contains("raftkv is up");
  }

  private void startClients() {
    long seed = Long.getLong("fault.seed", System.nanoTime());
    System.out.println("fault test seed " + seed + " (replay the client mix with -Dfault.seed)");
    for (int c = 0; c < CLIENTS; c++) {
      int id = c;
      SplittableRandom random = new SplittableRandom(seed + c);
      Thread t = new Thread(() -> clientLoop(id, random), "client-" + c);
      t.start();
      clients.add(t);
    }
  }

  /** Stops the clients, then checks convergence, digests and linearizability. */
  private void stopClientsAndCheck(String what) throws Exception {
    running.set(false);
    for (Thread t : clients) t.join(15_000);
    Map<Integer, String> digests = awaitConvergence(Duration.ofSeconds(30));
    assertThat(Set.copyOf(digests.values())).as("state digests per node " + digests).hasSize(1);
    for (String key : KEYS) finalRead(key);
    CheckResult result =
        LinearizabilityChecker.check(new KvModel(), List.copyOf(history), Duration.ofSeconds(60));
    System.out.printf("%s: %d operations attempted, %d acknowledged, %d in the history;"
            + " verdict %s%n", what, attempted.get(), acknowledged.get(), history.size(),
        result.verdict());
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.OK);
    assertThat(acknowledged.get()).as("clients made progress").isGreaterThan(100);
  }

  @AfterEach
  void stop() throws Exception {
    running.set(false);
    clusterSh("stop");
    clientVertx.close().await();
  }

  @Test
  void survivesKilledLeadersAndPausedFollowers() throws Exception {
    startCluster("");
    startClients();
    List<Long> failoverMs = new ArrayList<>();
    for (int round = 1; round <= ROUNDS; round++) {
      Thread.sleep(1_500); // the fault-free stretch between faults
      int leader = awaitLeader(-1, Duration.ofSeconds(20));
      long killedAt = System.nanoTime();
      clusterSh("kill", Integer.toString(leader));
      int next = awaitLeader(leader, Duration.ofSeconds(20));
      failoverMs.add((System.nanoTime() - killedAt) / 1_000_000);
      clusterSh("restart", Integer.toString(leader));
      int follower = next % NODES + 1 == leader ? (next + 1) % NODES + 1 : next % NODES + 1;
      clusterSh("pause", Integer.toString(follower));
      Thread.sleep(2_000); // the pause is the fault
      clusterSh("resume", Integer.toString(follower));
      System.out.printf("round %d: killed leader %d, node %d led after %d ms; paused node %d%n",
          round, leader, next, failoverMs.get(failoverMs.size() - 1), follower);
    }
    Thread.sleep(1_500);
    System.out.println("failover times " + failoverMs + " ms");
    stopClientsAndCheck("fault test");
  }

  /**
   * Snapshots every 100 entries, 10 entries of margin, log segments of 16 KiB and snapshot
   * pieces of 4 KiB: a follower killed while the clients write comes back to a leader whose log
   * starts after its own end, and must be sent a snapshot.
   */
  @Test
  void aKilledFollowerComesBackThroughInstallSnapshot() throws Exception {
    startCluster("--set snapshots.intervalEntries=100 --set snapshots.logMarginEntries=10"
        + " --set snapshots.chunkBytes=4096 --set storage.segmentSizeBytes=16384");
    startClients();
    Thread.sleep(1_000);
    int leader = awaitLeader(-1, Duration.ofSeconds(20));
    int follower = leader % NODES + 1;
    clusterSh("kill", Integer.toString(follower));
    long followerLast = 0;
    // its last index as it died is at most what the leader had then
    followerLast = Long.parseLong(field(LAST, status(leader)));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (Long.parseLong(orZero(field(FIRST, status(leader)))) <= followerLast + 1) {
      assertThat(System.nanoTime()).as("the leader compacts past the dead follower's log")
          .isLessThan(deadline);
      Thread.sleep(100);
    }
    clusterSh("restart", Integer.toString(follower));
    long snapshotAfter = followerLast;
    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (Long.parseLong(orZero(field(SNAPSHOT_INDEX, status(follower)))) <= snapshotAfter) {
      assertThat(System.nanoTime()).as("the follower installs a snapshot").isLessThan(deadline);
      Thread.sleep(100);
    }
    String log = Files.readString(data.resolve("logs").resolve(follower + ".log"));
    assertThat(log).contains("installed the snapshot");
    System.out.printf("node %d was killed at index %d and came back through a snapshot%n",
        follower, followerLast);
    Thread.sleep(1_500);
    stopClientsAndCheck("snapshot fault test");
  }

  /**
   * Dissertation ch. 4 end to end: a member's machine dies for good and a new one takes its
   * place, with no moment where the clients, writing through the gateway, lose the cluster.
   */
  @Test
  void replacesADeadMachineAndTransfersLeadershipTwice() throws Exception {
    startCluster("");
    gatewayOnly = true;
    startClients();
    Thread.sleep(1_000);
    clusterSh("kill", "3");
    nodes.remove(Integer.valueOf(3));
    String added = clusterSh("add", "4");
    assertThat(added).contains("Node 4 is a voter");
    nodes.add(4);
    assertThat(voters(members())).containsExactly(1, 2, 3, 4);

    clusterSh("remove", "3");
    assertThat(voters(members())).containsExactly(1, 2, 4);

    List<Integer> leaders = new ArrayList<>();
    for (int transfer = 0; transfer < 2; transfer++) {
      Thread.sleep(500);
      int leader = awaitLeader(-1, Duration.ofSeconds(20));
      int target = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
      String out = clusterSh("transfer", Integer.toString(target));
      assertThat(out).contains("Node " + target + " leads");
      assertThat(awaitLeader(leader, Duration.ofSeconds(5))).isEqualTo(target);
      leaders.add(target);
    }
    Thread.sleep(1_500);
    Reply gateway = statusHttp.send(BASE_PORT + 1000, HttpMethod.GET, "/v1/cluster", null);
    assertThat(gateway.text()).as("the gateway follows the members").contains("\"id\":4")
        .doesNotContain("\"id\":3");
    System.out.printf("replaced node 3 by node 4; leadership went to %s%n", leaders);
    stopClientsAndCheck("membership test");
  }

  private JsonObject members() throws Exception {
    Reply r = statusHttp.send(BASE_PORT + 1000 + nodes.get(0), HttpMethod.GET, "/v1/members",
        null);
    assertThat(r.status()).isEqualTo(200);
    return new JsonObject(r.text());
  }

  private static List<Integer> voters(JsonObject members) {
    List<Integer> ids = new ArrayList<>();
    JsonArray voters = members.getJsonArray("voters");
    for (int i = 0; i < voters.size(); i++) ids.add(voters.getJsonObject(i).getInteger("id"));
    return ids;
  }

  private static String orZero(String number) {
    return number.isEmpty() ? "0" : number;
  }

  // ------------------------------------------------------------------ clients

  private void clientLoop(int client, SplittableRandom random) {
    long counter = 0;
    while (running.get()) {
      String key = KEYS.get(random.nextInt(KEYS.size()));
      int port = BASE_PORT + 1000 + (gatewayOnly ? 0 // the gateway
          : random.nextInt(NODES + 1)); // or a node
      attempted.incrementAndGet();
      if (random.nextBoolean()) {
        write(client, port, key, "c" + client + "-" + (++counter));
      } else {
        read(client, port, key);
      }
    }
  }

  private void write(int client, int port, String key, String value) {
    KvInput input = new KvInput.Put(key, value);
    long call = System.nanoTime();
    try {
      Reply r = kvHttp.send(port, HttpMethod.PUT, kvPath(key), Buffer.buffer(value),
          "X-Request-Id", value);
      if (r.status() == 200) {
        acknowledged.incrementAndGet();
        history.add(Operation.completed(client, input, KvOutput.OK, call, System.nanoTime()));
      } else if (r.status() == 503 || r.status() == 429) {
        return; // nothing was written, says the contract
      } else {
        history.add(Operation.pending(client, input, call)); // 504 or worse: unknown
      }
    } catch (Exception e) { // no answer in time, or the connection failed
      history.add(Operation.pending(client, input, call)); // may have reached the leader
    }
  }

  private void read(int client, int port, String key) {
    long call = System.nanoTime();
    try {
      Reply r = kvHttp.send(port, HttpMethod.GET, kvPath(key), null);
      long ret = System.nanoTime();
      if (r.status() == 200) {
        acknowledged.incrementAndGet();
        history.add(Operation.completed(client, new KvInput.Get(key), KvOutput.read(r.text()),
            call, ret));
      } else if (r.status() == 404) {
        acknowledged.incrementAndGet();
        history.add(Operation.completed(client, new KvInput.Get(key), KvOutput.read(null), call,
            ret));
      }
    } catch (Exception e) { // no answer in time, or the connection failed
      // a read that failed had no effect
    }
  }

  private void finalRead(String key) throws Exception {
    for (int attempt = 0; attempt < 20; attempt++) {
      int before = history.size();
      read(99, BASE_PORT + 1000, key);
      if (history.size() > before) return;
      Thread.sleep(250);
    }
    throw new AssertionError("could not read " + key + " at the end");
  }

  private static String kvPath(String key) {
    return "/v1/kv/" + key;
  }

  // ------------------------------------------------------------------ cluster

  private static final Pattern ROLE = Pattern.compile("\"role\":\"(\\w+)\"");
  private static final Pattern APPLIED = Pattern.compile("\"appliedIndex\":(\\d+)");
  private static final Pattern DIGEST = Pattern.compile("\"digest\":\"(\\w+)\"");
  private static final Pattern LAST = Pattern.compile("\"lastIndex\":(\\d+)");
  private static final Pattern FIRST = Pattern.compile("\"firstIndex\":(\\d+)");
  private static final Pattern SNAPSHOT_INDEX =
      Pattern.compile("\"snapshot\":\\{\"index\":(\\d+)");

  private String status(int node) {
    try {
      Reply r = statusHttp.send(BASE_PORT + 1000 + node, HttpMethod.GET,
          "/v1/cluster?digest=true", null);
      return r.status() == 200 ? r.text() : "";
    } catch (Exception e) { // no answer in time, or the connection failed
      return "";
    }
  }

  private static String field(Pattern p, String json) {
    Matcher m = p.matcher(json);
    return m.find() ? m.group(1) : "";
  }

  /** Polls until a node other than {@code not} reports itself leader. */
  private int awaitLeader(int not, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      for (int node : nodes) {
        if (node != not && field(ROLE, status(node)).equals("LEADER")) return node;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no leader (other than " + not + ") within " + within);
  }

  private Map<Integer, String> awaitConvergence(Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    Map<Integer, String> digests = new TreeMap<>();
    while (System.nanoTime() < deadline) {
      digests.clear();
      Set<String> applied = new java.util.HashSet<>();
      for (int node : nodes) {
        String s = status(node);
        digests.put(node, field(DIGEST, s));
        applied.add(field(APPLIED, s));
      }
      if (applied.size() == 1 && Set.copyOf(digests.values()).size() == 1
          && !digests.values().iterator().next().isEmpty()) {
        return digests;
      }
      Thread.sleep(200);
    }
    return digests;
  }

  private String clusterSh(String... args) throws IOException, InterruptedException {
    return ClusterSh.runWith(data, BASE_PORT, nodeArgs, args);
  }
}
