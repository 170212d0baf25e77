package raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import raftkv.server.NodeConfig.Limits;
import raftkv.server.NodeConfig.Member;
import raftkv.storage.StorageOptions;

/**
 * A cluster of real nodes in this JVM: each node is a {@link RaftVerticle} and a {@link
 * FrontEndVerticle} in a Vertx of its own, on ports picked up front, with its data under a
 * directory of its own. Driven from the test thread through the client HTTP API.
 */
final class ClusterHarness implements AutoCloseable {

  static final String HOST = "127.0.0.1";
  static final String TOKEN = "cluster-test-token";
  static final int TICK_MS = 20;
  static final Limits LIMITS = new Limits(1024, 1 << 20, 1000, 3000);

  private final List<Member> members = new ArrayList<>();
  private final Map<Integer, NodeConfig> configs = new TreeMap<>();
  private final Map<Integer, Vertx> running = new HashMap<>();
  /** Why each node halted, if one did (a node process would exit; here the test looks). */
  final Map<Integer, Throwable> halts = new java.util.concurrent.ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(1))
      .build();

  /** Configures (does not start) nodes 1..n with data under {@code root}. */
  ClusterHarness(int n, Path root) {
    this(n, root, NodeConfig.RequestIds.DEFAULTS);
  }

  /** As {@link #ClusterHarness(int, Path)}, with other exactly-once settings. */
  ClusterHarness(int n, Path root, NodeConfig.RequestIds requestIds) {
    for (int id = 1; id <= n; id++) members.add(new Member(id, HOST, freePort(), freePort()));
    for (Member m : members) {
      configs.put(m.id(), new NodeConfig(m.id(), root.resolve("node" + m.id()).toString(), HOST, 0,
          List.copyOf(members), TOKEN, TICK_MS, 10, 2, LIMITS,
          NodeConfig.Tuning.DEFAULTS, requestIds));
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

  private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT =
      new java.util.concurrent.atomic.AtomicInteger(
          20_000 + new java.util.Random().nextInt(5_000) * 2);

  /**
   * A port that is free now and below Linux's ephemeral range (32768+): a port the OS hands out
   * to some outgoing connection meanwhile cannot then take it before a restarted node rebinds it.
   */
  static int freePort() {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = NEXT_PORT.getAndIncrement();
      if (port >= 32_000) NEXT_PORT.set(20_000);
      try (ServerSocket socket = new ServerSocket(port)) {
        socket.setReuseAddress(true);
        return port;
      } catch (IOException taken) {
        // try the next one
      }
    }
    throw new IllegalStateException("no free port between 20000 and 32000");
  }

  /** The same configuration with another data directory. */
  static NodeConfig withDataDir(NodeConfig c, String dataDir) {
    return new NodeConfig(c.nodeId(), dataDir, c.bindHost(), c.gatewayPort(), c.members(),
        c.clusterToken(), c.tickMs(), c.electionTicks(), c.heartbeatTicks(), c.limits(),
        c.tuning(), c.requestIds());
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

  /** Starts node {@code id} as Main does: the Raft node, then its front end. */
  void start(int id) {
    if (running.containsKey(id)) throw new IllegalStateException("node " + id + " is running");
    NodeConfig config = config(id);
    Vertx vertx = Vertx.vertx();
    running.put(id, vertx);
    RaftVerticle node = new RaftVerticle(config, StorageOptions.defaults())
        .onHalt(cause -> halts.put(id, cause));
    vertx.deployVerticle(node)
        .compose(d -> vertx.deployVerticle(new FrontEndVerticle(config, node.channel())))
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

  /** An answer as the test sees it. */
  record Reply(int status, HttpResponse<byte[]> response) {
    String text() {
      return new String(response.body(), StandardCharsets.UTF_8);
    }

    JsonObject json() {
      return new JsonObject(text());
    }

    io.vertx.core.json.JsonArray jsonArray() {
      return new io.vertx.core.json.JsonArray(text());
    }

    long revision() {
      return json().getLong("revision");
    }

    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }
  }

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
  java.util.concurrent.CompletableFuture<Reply> sendAsync(int id, String method, String uri,
      String body, String... headers) {
    return http.sendAsync(request(member(id).clientPort(), method, uri,
            body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers),
        HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> new Reply(r.statusCode(), r));
  }

  Reply send(int id, String method, String uri, String body, String... headers) {
    return sendTo(member(id).clientPort(), method, uri,
        body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /** Sends to {@code port} on this host; the URI goes as given. */
  Reply sendTo(int port, String method, String uri, byte[] body, String... headers) {
    try {
      HttpResponse<byte[]> r = http.send(request(port, method, uri, body, headers),
          HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(r.statusCode(), r);
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + uri + " on port " + port + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static HttpRequest request(int port, String method, String uri, byte[] body,
      String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + port + uri))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return b.build();
  }

  /** Asserts a 200 and returns the revision it carries. */
  long putOk(int id, String key, String value) {
    Reply r = put(id, "/v1/kv/" + key, value);
    assertThat(r.status()).as("PUT %s on node %d: %s", key, id, r.text()).isEqualTo(200);
    return r.revision();
  }
}
