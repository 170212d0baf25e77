package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import raftkv.cli.KvCommand;
import raftkv.cli.Main;

/**
 * {@code raftkv kv} and {@code raftkv cluster} run in this JVM as {@code main} would run them,
 * against three real nodes ({@link ClusterHarness}), or against a stub server where a test needs
 * answers no healthy cluster gives.
 */
@Timeout(120)
class ClusterCliTest {

  /** Listings come in pages of at most this many keys, so that a few dozen keys span pages. */
  private static final int PAGE = 10;

  @TempDir Path dataRoot;
  private ClusterHarness cluster;
  private HttpServer stub;

  @AfterEach
  void stopAll() {
    if (cluster != null) cluster.close();
    if (stub != null) stub.stop(0);
  }

  /** What one command did. */
  record Run(int exit, String out, String err, byte[] value) {
    JsonObject json() {
      return new JsonObject(out);
    }

    JsonArray jsonArray() {
      return new JsonArray(out);
    }

    List<String> lines() {
      return out.lines().toList();
    }
  }

  private static Run cli(byte[] stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ByteArrayOutputStream value = new ByteArrayOutputStream();
    CommandLine cli = new CommandLine(new Main())
        .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
    cli.getSubcommands().get("kv").<KvCommand>getCommand()
        .valueStreams(new ByteArrayInputStream(stdin), new PrintStream(value, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString(), value.toByteArray());
  }

  private static Run cli(String... args) {
    return cli(new byte[0], args);
  }

  /** The command, against every node of the cluster. */
  private Run kv(String... args) {
    return cli(withEndpoints(endpoints(1, 2, 3), "kv", args));
  }

  private Run admin(String... args) {
    return cli(withEndpoints(endpoints(1, 2, 3), "cluster", args));
  }

  private static String[] withEndpoints(String endpoints, String group, String... args) {
    List<String> all = new ArrayList<>(List.of(group));
    all.addAll(Arrays.asList(args));
    all.addAll(List.of("--endpoints", endpoints, "--timeout", "15s"));
    return all.toArray(String[]::new);
  }

  private String endpoints(int... ids) {
    return IntStream.of(ids).mapToObj(id -> url(cluster.member(id).clientPort()))
        .collect(Collectors.joining(","));
  }

  private static String url(int port) {
    return "http://127.0.0.1:" + port;
  }

  private void startCluster() {
    cluster = ClusterHarness.started(new ClusterHarness(3, dataRoot,
        b -> b.limits(ClusterHarness.LIMITS.withListing(PAGE, 1 << 20))));
    cluster.awaitLeader();
  }

  @Test
  void putGetDeleteRoundTripWithAKeyOfSlashesSpacesAndNonAscii() {
    startCluster();
    String key = "dir/sub dir/ключ é ✓/+%?#&=";

    Run put = kv("put", key, "first value");
    assertThat(put.exit()).as(put.err()).isZero();
    assertThat(put.out()).matches("OK revision \\d+\\n");
    long revision = Long.parseLong(put.out().trim().substring("OK revision ".length()));

    Run get = kv("get", key);
    assertThat(get.exit()).as(get.err()).isZero();
    assertThat(new String(get.value(), StandardCharsets.UTF_8)).isEqualTo("first value");
    JsonObject json = kv("get", key, "-o", "json").json();
    assertThat(json.getString("key")).isEqualTo(key);
    assertThat(json.getString("value")).isEqualTo("first value");
    assertThat(json.getLong("revision")).isEqualTo(revision);
    // the key reached the server as itself, not as some re-encoding of it
    assertThat(kv("ls", "dir/sub dir/", "-o", "json").jsonArray().getJsonObject(0)
        .getString("key")).isEqualTo(key);

    // bytes that are not UTF-8, from stdin, come back byte for byte
    byte[] binary = {0, (byte) 0xFF, '\n', (byte) 0xC3};
    Run fromStdin = cli(binary, withEndpoints(endpoints(1, 2, 3), "kv", "put", key));
    assertThat(fromStdin.exit()).as(fromStdin.err()).isZero();
    assertThat(kv("get", key).value()).isEqualTo(binary);
    assertThat(kv("get", key, "-o", "json").json().getString("valueBase64")).isEqualTo("AP8Kww==");

    Run del = kv("del", key);
    assertThat(del.out()).matches("deleted revision \\d+\\n");
    Run missing = kv("get", key);
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).startsWith("raftkv: ").contains("does not exist");
    assertThat(missing.value()).isEmpty();
    Run again = kv("del", key, "-o", "json");
    assertThat(again.exit()).isZero();
    assertThat(again.json().getBoolean("deleted")).isFalse();
  }

  @Test
  void compareAndSetAndTheExitStatusOfARefusal() {
    startCluster();
    Run created = kv("cas", "lock", "mine", "--prev-revision", "0", "-o", "json");
    assertThat(created.exit()).as(created.err()).isZero();
    long revision = created.json().getLong("revision");

    Run lost = kv("cas", "lock", "theirs", "--prev-revision", "0");
    assertThat(lost.exit()).isEqualTo(3);
    assertThat(lost.err()).startsWith("raftkv: comparison failed: 'lock' is at revision "
        + revision);
    assertThat(kv("cas", "lock", "yours", "--prev-revision", Long.toString(revision)).exit())
        .isZero();
    assertThat(kv("del", "lock", "--prev-revision", Long.toString(revision)).exit())
        .isEqualTo(3);

    Run unknown = admin("promote", "42");
    assertThat(unknown.exit()).isEqualTo(5);
    assertThat(unknown.err()).startsWith("raftkv: ").contains("42");
  }

  @Test
  void listingFollowsTheServersPages() {
    startCluster();
    int leader = cluster.awaitLeader();
    int keys = 2 * PAGE + 5;
    for (int i = 0; i < keys; i++) cluster.putOk(leader, String.format("page/k%02d", i), "v" + i);
    cluster.putOk(leader, "pages", "not under page/");

    Run table = kv("ls", "page/");
    assertThat(table.exit()).as(table.err()).isZero();
    assertThat(table.lines()).hasSize(keys + 1);
    assertThat(table.lines().get(0)).matches("KEY +REVISION +SIZE");
    assertThat(table.lines().get(keys)).startsWith("page/k24 ");

    JsonArray limited = kv("ls", "page/", "--limit", Integer.toString(PAGE + 5), "-o", "json")
        .jsonArray();
    assertThat(limited).hasSize(PAGE + 5);
    assertThat(limited.getJsonObject(PAGE + 4).getString("key")).isEqualTo("page/k14");

    JsonArray withValues = kv("ls", "page/", "--values", "-o", "json").jsonArray();
    assertThat(withValues).hasSize(keys);
    assertThat(withValues.getJsonObject(keys - 1).getString("value")).isEqualTo("v24");
    assertThat(withValues.getJsonObject(keys - 1).getInteger("size")).isEqualTo(3);
    assertThat(kv("ls", "page/k0", "--values").lines().get(1)).matches("page/k00 +\\d+ +2 +v0");
  }

  @Test
  void statusMembersAndLeadershipTransfer() {
    startCluster();
    Run status = admin("status");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.lines()).hasSize(4);
    assertThat(status.lines().stream().filter(l -> l.matches("\\d+ +LEADER .*"))).hasSize(1);
    JsonArray statuses = admin("status", "-o", "json").jsonArray();
    assertThat(statuses).hasSize(3);
    assertThat(statuses.stream().filter(s -> "LEADER".equals(((JsonObject) s).getString("role"))))
        .hasSize(1);

    Run members = admin("members");
    assertThat(members.lines()).hasSize(4);
    assertThat(members.lines().stream().filter(l -> l.matches("\\d +voter +http://.*")))
        .hasSize(3);
    assertThat(admin("members", "-o", "json").json().getJsonArray("voters")).hasSize(3);

    int leader = cluster.awaitLeader();
    int next = cluster.aFollower(leader);
    Run transfer = admin("transfer", Integer.toString(next));
    assertThat(transfer.exit()).as(transfer.err()).isZero();
    assertThat(transfer.out()).matches("leader is now node " + next + " \\(term \\d+\\)\\n");
    assertThat(cluster.status(next).orElseThrow().getString("role")).isEqualTo("LEADER");

    // a member that is down is shown as such; the others still answer
    cluster.stop(leader);
    ClusterHarness.await("the status to show node " + leader + " down", 10_000, () -> {
      Run down = admin("status");
      return down.exit() == 0 && down.lines().stream()
          .anyMatch(l -> l.startsWith(leader + " ") && l.contains("unreachable: "));
    });
  }

  @Test
  void aDeadFirstEndpointIsPassedOverAndWritesOutliveTheLeader() {
    startCluster();
    String endpoints = url(closedPort()) + "," + endpoints(1, 2, 3);
    assertThat(cli(withEndpoints(endpoints, "kv", "put", "k", "v1")).exit()).isZero();
    assertThat(cli(withEndpoints(endpoints, "kv", "get", "k")).value())
        .isEqualTo("v1".getBytes(StandardCharsets.UTF_8));

    cluster.stop(cluster.awaitLeader());
    Run put = kv("put", "k", "v2");
    assertThat(put.exit()).as(put.err()).isZero();
    assertThat(kv("get", "k").value()).isEqualTo("v2".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void noEndpointAnsweringIsExitStatus4() {
    String dead = url(closedPort());
    long started = System.nanoTime();
    Run get = cli("kv", "get", "k", "--endpoints", dead, "--timeout", "1s");
    assertThat(get.exit()).isEqualTo(4);
    assertThat(get.err()).startsWith("raftkv: ").contains(dead).contains("--timeout");
    assertThat(System.nanoTime() - started).isLessThan(5_000_000_000L);
    assertThat(cli("cluster", "status", "--endpoints", dead, "--timeout", "1s").exit())
        .isEqualTo(4);
  }

  @Test
  void aWriteRetriedAfter504CarriesTheSameRequestId() throws IOException {
    List<String> ids = new CopyOnWriteArrayList<>();
    AtomicInteger transfers = new AtomicInteger();
    startStub(exchange -> {
      switch (exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()) {
        case "PUT /v1/kv/k" -> {
          ids.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-Request-Id")));
          if (ids.size() == 1) {
            answer(exchange, 504, "{\"error\":\"leadership was lost while the write was in"
                + " flight\"}");
          } else {
            answer(exchange, 200, "{\"revision\":7}");
          }
        }
        case "POST /v1/leader" -> {
          transfers.incrementAndGet();
          answer(exchange, 504, "{\"error\":\"node 2 did not take over in time\"}");
        }
        default -> answer(exchange, 404, "{\"error\":\"no such route\"}");
      }
    });
    String endpoint = url(stub.getAddress().getPort());

    Run put = cli("kv", "put", "k", "v", "--endpoints", endpoint);
    assertThat(put.exit()).as(put.err()).isZero();
    assertThat(put.out()).isEqualTo("OK revision 7\n");
    assertThat(ids).hasSize(2);
    assertThat(ids.get(0)).isNotBlank().isNotEqualTo("null").isEqualTo(ids.get(1));

    // a transfer whose answer is 504 is not sent again: it would move the leadership again
    Run transfer = cli("cluster", "transfer", "2", "--endpoints", endpoint);
    assertThat(transfer.exit()).isEqualTo(4);
    assertThat(transfer.err()).startsWith("raftkv: ").contains("may or may not");
    assertThat(transfers.get()).isEqualTo(1);
  }

  @Test
  void anEndpointThatNeverAnswersIsPassedOverQuickly() throws IOException {
    startStub(exchange -> answer(exchange, 200, "{\"revision\":1}"));
    // connections to it are accepted (into the backlog), and never answered: a frozen process
    try (ServerSocket frozen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      long started = System.nanoTime();
      Run put = cli("kv", "put", "k", "v", "--timeout", "8s", "--endpoints",
          url(frozen.getLocalPort()) + "," + url(stub.getAddress().getPort()));
      assertThat(put.exit()).as(put.err()).isZero();
      assertThat(put.out()).isEqualTo("OK revision 1\n");
      assertThat(System.nanoTime() - started).isLessThan(5_000_000_000L);
    }
  }

  /** A stub server that says it is node 1 and leads, and answers everything else by hand. */
  private void startStub(ExchangeHandler handler) throws IOException {
    stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String self = url(stub.getAddress().getPort());
    stub.createContext("/", exchange -> {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        if (exchange.getRequestURI().getPath().equals("/v1/cluster")) {
          answer(exchange, 200, new JsonObject().put("nodeId", 1).put("role", "LEADER")
              .put("term", 1).put("leaderId", 1)
              .put("members", new JsonArray().add(new JsonObject().put("id", 1)
                  .put("clientUrl", self))).encode());
        } else {
          handler.handle(exchange);
        }
      }
    });
    stub.start();
  }

  interface ExchangeHandler {
    void handle(HttpExchange exchange) throws IOException;
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  /** A port nothing listens on (it was free a moment ago, and nothing here takes it). */
  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
