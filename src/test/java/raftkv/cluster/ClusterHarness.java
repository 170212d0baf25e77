package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import raftkv.config.NodeConfig.Limits;
import raftkv.config.NodeConfig.Member;
import raftkv.config.NodeConfig;
import raftkv.frontend.FrontEndVerticle;
import raftkv.metrics.Metrics;
import raftkv.node.RaftVerticle;
import raftkv.testing.FreePorts;
import raftkv.testing.TestConfigs;
import raftkv.testing.TestHttp.Reply;
import raftkv.testing.TestHttp;

/**
 * A cluster of real nodes in this JVM: each node is a {@link RaftVerticle} and a {@link
 * FrontEndVerticle} in a Vertx of its own, on ports picked up front, with its data under a
 * directory of its own. Driven from the test thread through the client HTTP API.
 */
final class ClusterHarness implements AutoCloseable {

  static final String HOST = TestConfigs.HOST;
  static final int TICK_MS = 20;
  static final Limits LIMITS = new Limits(1024, 1 << 20, 1000, 3000);

  private final List<Member> members = new ArrayList<>();
  private final Map<Integer, NodeConfig> configs = new TreeMap<>();
  private final Map<Integer, Vertx> running = new HashMap<>();
  /** Why each node halted, if one did (a node process would exit; here the test looks). */
  final Map<Integer, Throwable> halts = new java.util.concurrent.ConcurrentHashMap<>();
  /** The clients' own Vertx, apart from every node's. */
  private final Vertx clientVertx = Vertx.vertx();
  private TestHttp http = new TestHttp(clientVertx);
  /** Sent with every request that brings no Authorization header of its own; null for none. */
  private String authorization;

  /** Configures (does not start) nodes 1..n with data under {@code root}. */
  ClusterHarness(int n, Path root) {
    this(n, root, NodeConfig.RequestIds.DEFAULTS);
  }

  /** As {@link #ClusterHarness(int, Path)}, with other exactly-once settings. */
  ClusterHarness(int n, Path root, NodeConfig.RequestIds requestIds) {
    this(n, root, b -> b.requestIds(requestIds));
  }

  /** As {@link #ClusterHarness(int, Path)}, each node's configuration changed by {@code tweak}. */
  ClusterHarness(int n, Path root, java.util.function.UnaryOperator<NodeConfig.Builder> tweak) {
    this(n, root, (id, builder) -> tweak.apply(builder));
  }

  /** As {@link #ClusterHarness(int, Path)}, node {@code id}'s configuration changed by {@code tweak}. */
  ClusterHarness(int n, Path root,
      java.util.function.BiFunction<Integer, NodeConfig.Builder, NodeConfig.Builder> tweak) {
    for (int id = 1; id <= n; id++) {
      members.add(new Member(id, HOST, FreePorts.next(), FreePorts.next()));
    }
    for (Member m : members) {
      configs.put(m.id(), tweak.apply(m.id(), TestConfigs.node(m.id(), members, root.resolve(
          "node" + m.id()).toString()).tickMs(TICK_MS).limits(LIMITS)).build());
    }
  }

  static ClusterHarness started(int n, Path root) {
    return started(new ClusterHarness(n, root));
  }

  static ClusterHarness started(ClusterHarness cluster) {
    try {
      for (int id : cluster.configs.keySet()) cluster.start(id);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** From now on the test's requests use {@code options} (for TLS: its trust, say). */
  ClusterHarness clientOptions(io.vertx.core.http.HttpClientOptions options) {
    http = new TestHttp(clientVertx, 10_000, new io.vertx.core.http.PoolOptions()
        .getHttp1MaxSize(), options);
    return this;
  }

  /** From now on requests without an Authorization header of their own carry {@code token}. */
  ClusterHarness clientToken(String token) {
    authorization = token == null ? null : "Bearer " + token;
    return this;
  }

  /** The members, as every node's configuration lists them. */
  List<Member> members() {
    return List.copyOf(members);
  }

  NodeConfig config(int id) {
    return configs.get(id);
  }

  Member member(int id) {
    return config(id).self();
  }

  List<Integer> runningIds() {
    return running.keySet().stream().sorted().toList();
  }

  /** Starts node {@code id} as Main does: the Raft node, then its front end, with metrics. */
  void start(int id) {
    if (running.containsKey(id)) throw new IllegalStateException("node " + id + " is running");
    NodeConfig config = config(id);
    Vertx vertx = Vertx.vertx();
    running.put(id, vertx);
    Metrics metrics = Metrics.of(config);
    RaftVerticle node = new RaftVerticle(config, config.storageOptions(false))
        .onHalt(cause -> halts.put(id, cause)).metrics(metrics);
    vertx.deployVerticle(node)
        .compose(d -> vertx.deployVerticle(
            FrontEndVerticle.inNode(config, node.channel()).metrics(metrics)))
        .timeout(10, TimeUnit.SECONDS).await();
  }

  /** Stops node {@code id} by closing its Vertx (its verticles stop, its ports close). */
  void stop(int id) {
    Vertx vertx = running.remove(id);
    if (vertx != null) vertx.close().timeout(10, TimeUnit.SECONDS).await();
  }

  @Override
  public void close() {
    for (int id : runningIds()) {
      try {
        stop(id);
      } catch (RuntimeException e) {
        // keep closing the others
      }
    }
    clientVertx.close().await();
  }

  // ------------------------------------------------------------------ waiting

  /** Polls {@code condition} every few ms until it holds; fails after {@code timeoutMs}. */
  static void await(String what, long timeoutMs, Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      Boolean ok;
      try {
        ok = condition.get();
      } catch (RuntimeException e) {
        ok = false;
      }
      if (Boolean.TRUE.equals(ok)) return;
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  /** Each running node's {@code GET /v1/cluster}, or empty for a node that did not answer. */
  Optional<JsonObject> status(int id) {
    try {
      Reply r = get(id, "/v1/cluster?digest=true");
      return r.status() == 200 ? Optional.of(r.json()) : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Waits until one running node says it leads and every other running node names it as leader,
   * all in the same term; returns its id.
   */
  int awaitLeader() {
    int[] leader = {0};
    await("one leader that all running nodes agree on", 10_000, () -> {
      Integer found = null;
      Long term = null;
      for (int id : runningIds()) {
        JsonObject s = status(id).orElse(null);
        if (s == null) return false;
        if ("LEADER".equals(s.getString("role"))) {
          if (found != null) return false;
          found = id;
        }
        if (term != null && !term.equals(s.getLong("term"))) return false;
        term = s.getLong("term");
      }
      if (found == null) return false;
      for (int id : runningIds()) {
        if (status(id).map(s -> s.getInteger("leaderId")).orElse(-1) != (int) found) return false;
      }
      leader[0] = found;
      return true;
    });
    return leader[0];
  }

  int aFollower(int leader) {
    return runningIds().stream().filter(id -> id != leader).findFirst().orElseThrow();
  }

  // ------------------------------------------------------------------ HTTP

  Reply get(int id, String uri) {
    return send(id, "GET", uri, null);
  }

  Reply put(int id, String uri, String value, String... headers) {
    return send(id, "PUT", uri, value, headers);
  }

  Reply delete(int id, String uri) {
    return send(id, "DELETE", uri, null);
  }

  /** Sends without waiting for the answer. */
  CompletableFuture<Reply> sendAsync(int id, String method, String uri, String body,
      String... headers) {
    return http.start(member(id).clientPort(), HttpMethod.valueOf(method), uri,
        body == null ? null : Buffer.buffer(body), withAuthorization(headers)).toCompletionStage()
        .toCompletableFuture();
  }

  Reply send(int id, String method, String uri, String body, String... headers) {
    return sendTo(member(id).clientPort(), method, uri,
        body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /** Sends to {@code port} on this host; the URI goes as given. */
  Reply sendTo(int port, String method, String uri, byte[] body, String... headers) {
    return http.send(port, HttpMethod.valueOf(method), uri,
        body == null ? null : Buffer.buffer(body), withAuthorization(headers));
  }

  private String[] withAuthorization(String[] headers) {
    if (authorization == null) return headers;
    for (int i = 0; i < headers.length; i += 2) {
      if (headers[i].equalsIgnoreCase("Authorization")) return headers;
    }
    String[] more = java.util.Arrays.copyOf(headers, headers.length + 2);
    more[headers.length] = "Authorization";
    more[headers.length + 1] = authorization;
    return more;
  }

  /**
   * Sends a request as a careful client does while leadership may still be settling: after a
   * 503 or 504 (nothing written, or a write of unknown fate under a request id, which a retry
   * makes safe) and a 429, it tries again, for up to 15 s; returns the last answer.
   */
  Reply retrying(int id, String method, String uri, String body, String... headers) {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      Reply r = send(id, method, uri, body, headers);
      boolean retry = r.status() == 503 || r.status() == 504 || r.status() == 429;
      if (!retry || System.nanoTime() > giveUp) return r;
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return r;
      }
    }
  }

  /** Asserts a 200 and returns the revision it carries. */
  long putOk(int id, String key, String value) {
    Reply r = put(id, "/v1/kv/" + key, value);
    assertThat(r.status()).as("PUT %s on node %d: %s", key, id, r.text()).isEqualTo(200);
    return r.revision();
  }
}
