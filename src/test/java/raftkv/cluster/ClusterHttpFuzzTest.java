package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.config.NodeConfig.Limits;
import raftkv.config.NodeConfig;
import raftkv.frontend.FrontEndVerticle;
import raftkv.gateway.Gateway;
import raftkv.testing.RawHttp;
import raftkv.testing.TestConfigs;
import raftkv.testing.TestHttp;

/**
 * Random HTTP against a live three-node cluster and a gateway: random methods, paths,
 * percent-encodings, query strings, headers and bodies, sent whole, chunked or trickled in
 * pieces, and clients that stop half-way. Every answer must be JSON (or a value, for a read of a
 * key) with a status docs/API.md allows, never a 500; meanwhile a well-behaved client and slow
 * clients holding half-sent requests run, and the well-behaved one must be served throughout; at
 * the end every node holds the same data.
 *
 * <p>Prints its seed; {@code -Dfuzz.seed=S} replays one, {@code -Dfuzz.requests=N} sets how many
 * random requests each of the two fuzzing threads sends (default 300).
 *
 * <p>Requests that would change the membership or move leadership with a well-formed body are
 * not generated: they are valid, and the test is about bad input.
 */
@Timeout(180)
class ClusterHttpFuzzTest {

  private static final Set<Integer> ALLOWED = Set.of(200, 400, 404, 405, 408, 409, 412, 413,
      414, 422, 429, 431, 503, 504);
  private static final int READ_TIMEOUT_MS = 1_000;
  private static final Limits LIMITS = new Limits(64, 4096, 200, 3000)
      .withConnections(300, READ_TIMEOUT_MS, 5_000);

  @TempDir Path dataRoot;
  private ClusterHarness cluster;
  private Vertx gatewayVertx;
  private final List<String> problems = new CopyOnWriteArrayList<>();
  /** Requests the server refused and closed before they were all sent, the answer lost. */
  private final AtomicInteger answeredEarlyUnread = new AtomicInteger();
  /** How many answers of each status the random requests got. */
  private final Map<Integer, Integer> statuses = new ConcurrentSkipListMap<>();

  @AfterEach
  void stop() {
    if (gatewayVertx != null) gatewayVertx.close().await();
    if (cluster != null) cluster.close();
  }

  @Test
  void randomRequestsGetApiAnswersAndLeaveTheDataIntact() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    int perThread = Integer.getInteger("fuzz.requests", 300);
    System.out.println("ClusterHttpFuzzTest: seed " + seed + " (replay: -Dfuzz.seed=" + seed
        + ")");
    cluster = ClusterHarness.started(new ClusterHarness(3, dataRoot, b -> b.limits(LIMITS)));
    cluster.awaitLeader();
    List<Integer> ports = new ArrayList<>();
    for (var m : cluster.members()) ports.add(m.clientPort());
    ports.add(startGateway());

    AtomicBoolean fuzzing = new AtomicBoolean(true);
    ExecutorService threads = Executors.newFixedThreadPool(6);
    List<Long> wellBehavedMs = Collections.synchronizedList(new ArrayList<>());
    Future<?> wellBehaved = threads.submit(() -> wellBehavedClient(ports, fuzzing, wellBehavedMs));
    List<Future<?>> slow = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      int port = ports.get(i);
      slow.add(threads.submit(() -> slowClient(port, fuzzing)));
    }
    List<Future<?>> fuzzers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Random random = new Random(seed + t);
      fuzzers.add(threads.submit(() -> fuzz(random, ports, perThread)));
    }
    for (Future<?> f : fuzzers) f.get(150, TimeUnit.SECONDS);
    fuzzing.set(false);
    wellBehaved.get(30, TimeUnit.SECONDS);
    for (Future<?> f : slow) f.get(30, TimeUnit.SECONDS);
    threads.shutdown();

    assertThat(problems).as("answers outside the API (seed " + seed + ")").isEmpty();
    List<Long> sorted = new ArrayList<>(wellBehavedMs);
    Collections.sort(sorted);
    System.out.println("ClusterHttpFuzzTest: the well-behaved client made " + sorted.size()
        + " requests during the fuzzing; p50 " + sorted.get(sorted.size() / 2) + " ms, p99 "
        + sorted.get(sorted.size() * 99 / 100) + " ms, max " + sorted.get(sorted.size() - 1)
        + " ms; " + answeredEarlyUnread + " requests were refused and closed before they were"
        + " all sent, with the answer lost to the reset; statuses of the random requests: "
        + statuses);
    assertThat(sorted).as("the well-behaved client was served").hasSizeGreaterThan(20);
    // "within its normal latency", with room for a busy machine: a PUT and a GET take a few ms
    // here; a front end held up by the fuzzing or the slow clients would take its read timeout
    assertThat(sorted.get(sorted.size() * 99 / 100)).as("p99 of the well-behaved client, ms")
        .isLessThan(READ_TIMEOUT_MS);
    assertEqualDigests();
  }

  private int startGateway() {
    gatewayVertx = Vertx.vertx();
    NodeConfig config = TestConfigs.gateway(cluster.members()).limits(LIMITS).build();
    FrontEndVerticle gateway = Gateway.frontEnd(config);
    gatewayVertx.deployVerticle(gateway).await();
    return gateway.actualPort();
  }

  // ------------------------------------------------------------------ the clients

  /** Writes and reads its own keys, each of which must succeed, until the fuzzing ends. */
  private void wellBehavedClient(List<Integer> ports, AtomicBoolean fuzzing, List<Long> ms) {
    Vertx vertx = Vertx.vertx();
    try {
      TestHttp http = new TestHttp(vertx, 5_000);
      for (int i = 0; fuzzing.get(); i++) {
        int port = ports.get(i % ports.size());
        long started = System.nanoTime();
        TestHttp.Reply put = http.send(port, HttpMethod.PUT, "/v1/kv/good/" + i,
            Buffer.buffer("v" + i), "X-Request-Id", "good-" + i);
        TestHttp.Reply get = http.send(port, HttpMethod.GET, "/v1/kv/good/" + i, null);
        ms.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        if (put.status() != 200 || get.status() != 200 || !get.body().toString().equals("v" + i)) {
          problems.add("well-behaved client, request " + i + " on port " + port + ": PUT "
              + put.status() + " " + put.body() + ", GET " + get.status() + " " + get.body());
        }
      }
    } finally {
      vertx.close();
    }
  }

  /**
   * Holds a request with a body cut short, again and again: each must end in a 408 (JSON) or a
   * closed connection, and never earlier than the read timeout.
   */
  private void slowClient(int port, AtomicBoolean fuzzing) {
    while (fuzzing.get()) {
      try (RawHttp http = RawHttp.connect(ClusterHarness.HOST, port, 10_000)) {
        http.send("PUT /v1/kv/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab");
        RawHttp.Response answer = http.read(false);
        if (answer.status() != 408 || !isJson(answer)) {
          problems.add("slow client on port " + port + " got " + answer.status() + " "
              + answer.text());
        }
      } catch (IOException closed) {
        // the server may close instead of answering when it is shutting down: fine
      }
    }
  }

  private void fuzz(Random random, List<Integer> ports, int requests) {
    for (int i = 0; i < requests; i++) {
      int port = ports.get(random.nextInt(ports.size()));
      RequestShape shape = RequestShape.random(random);
      try {
        send(random, port, shape);
      } catch (IOException e) {
        if (!shape.mayGoUnanswered()) {
          problems.add("no answer to " + shape.describe() + " on port " + port + ": " + e);
        }
      }
    }
  }

  private void send(Random random, int port, RequestShape shape) throws IOException {
    try (RawHttp http = RawHttp.connect(ClusterHarness.HOST, port, 10_000)) {
      byte[] bytes = shape.bytes();
      try {
        switch (shape.delivery()) {
          case WHOLE, CHUNKED -> http.send(bytes);
          case TRICKLED -> trickle(random, http, bytes);
          case HALF -> {
            http.send(java.util.Arrays.copyOf(bytes, 1 + random.nextInt(bytes.length)));
            return; // and hang up
          }
        }
      } catch (IOException cutOff) {
        // The server answered before the request was all sent (413, 414, 405...) and closed
        // the connection: read that answer if it is still there to be read.
        RawHttp.Response early;
        try {
          early = http.read(shape.isHead());
        } catch (IOException gone) {
          answeredEarlyUnread.incrementAndGet(); // a reset can discard it: nothing to check
          return;
        }
        check(shape, port, early);
        return;
      }
      RawHttp.Response answer = http.read(shape.isHead());
      while (answer.status() == 100) answer = http.read(shape.isHead());
      check(shape, port, answer);
    }
  }

  private static void trickle(Random random, RawHttp http, byte[] bytes) throws IOException {
    int at = 0;
    while (at < bytes.length) {
      int n = Math.min(bytes.length - at, 1 + random.nextInt(Math.max(1, bytes.length / 3)));
      http.send(java.util.Arrays.copyOfRange(bytes, at, at + n));
      at += n;
      try {
        Thread.sleep(random.nextInt(20));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void check(RequestShape shape, int port, RawHttp.Response answer) {
    statuses.merge(answer.status(), 1, Integer::sum);
    String what = shape.describe() + " on port " + port + " -> " + answer.status();
    if (!ALLOWED.contains(answer.status())) {
      problems.add("status outside the API: " + what + " " + answer.text());
      return;
    }
    if (shape.isHead()) return;
    String type = answer.header("content-type");
    if ("application/octet-stream".equals(type) && answer.status() == 200
        && shape.isKeyRead()) {
      return; // a value, verbatim
    }
    if (!isJson(answer)) {
      problems.add("not JSON: " + what + " content-type " + type + ": " + answer.text());
    } else if (answer.status() != 200 && !answer.text().contains("\"error\"")) {
      problems.add("an error without 'error': " + what + ": " + answer.text());
    }
  }

  private static boolean isJson(RawHttp.Response answer) {
    if (!"application/json".equals(answer.header("content-type"))) return false;
    try {
      Json.decodeValue(Buffer.buffer(answer.body()));
      return true;
    } catch (DecodeException e) {
      return false;
    }
  }

  private void assertEqualDigests() {
    ConcurrentHashMap<Integer, String> digests = new ConcurrentHashMap<>();
    ClusterHarness.await("every node to apply the same entries and hold the same data", 20_000,
        () -> {
          digests.clear();
          Set<Long> applied = new java.util.HashSet<>();
          for (int id : cluster.runningIds()) {
            var status = cluster.status(id).orElse(null);
            if (status == null) return false;
            applied.add(status.getLong("appliedIndex"));
            digests.put(id, status.getString("digest"));
          }
          return applied.size() == 1 && Set.copyOf(digests.values()).size() == 1;
        });
  }

  // ------------------------------------------------------------------ random requests

  enum Delivery { WHOLE, CHUNKED, TRICKLED, HALF }

  /** One random request, as bytes, and what it was. */
  record RequestShape(String method, String target, List<String> headers, byte[] body,
      Delivery delivery) {

    private static final String[] METHODS = {"GET", "GET", "GET", "GET", "PUT", "PUT", "PUT",
        "DELETE", "DELETE", "HEAD", "HEAD", "POST", "OPTIONS", "PATCH", "TRACE", "BREW", "get"};
    private static final String[] FIXED_PATHS = {"/v1/kv", "/v1/kv/", "/v1/kv//", "/v1/kv/%2F",
        "/v1/cluster", "/v1/cluster?digest=true", "/health", "/ready", "/v1/members",
        "/v1/members/9/promote", "/v1/members/abc", "/v2/x", "/", "*", "/v1/kv/%zz",
        "/v1/kv/%", "/v1/kv/a%2", "/v1/kv/../../etc/passwd", "/v1/kv/%FF%FE", "/v1//kv/a",
        "/v1/kv/caf\u00e9", "/v1/kv?prefix=uni/h\u00e9", "/v1/kv/\u6f22\u5b57"};
    private static final String[] PARAMS = {"prefix", "limit", "after", "values",
        "consistency", "prevRevision", "lease", "digest", "x"};
    private static final String[] VALUES = {"", "0", "1", "-1", "abc", "stale", "linearizable",
        "true", "false", "99999999999999999999", "a%20b", "%zz", "k/1", "+"};
    private static final String KEY_CHARS = "abcxyz019/ %+?#&=.\u00e9\u6f22~";

    static RequestShape random(Random random) {
      String method = METHODS[random.nextInt(METHODS.length)];
      String target = randomTarget(random);
      if (isMembershipChange(method, target)) {
        method = "GET"; // a valid change is no bad input (see the class comment)
      }
      List<String> headers = new ArrayList<>();
      headers.add("Host: 127.0.0.1");
      if (random.nextInt(3) == 0) {
        headers.add("X-Request-Id: " + switch (random.nextInt(4)) {
          case 0 -> "fuzz-" + random.nextInt(5); // reused for other requests: 422
          case 1 -> "";
          case 2 -> "i".repeat(300);
          default -> "fuzz-" + random.nextLong();
        });
      }
      if (random.nextInt(8) == 0) headers.add("Expect: 100-continue");
      if (random.nextInt(10) == 0) headers.add("X-Raftkv-Forwarded: " + random.nextInt(4));
      if (random.nextInt(12) == 0) {
        headers.add("X-Raftkv-Request-Id-Retention-Ms: " + VALUES[random.nextInt(VALUES.length)]);
      }
      if (random.nextInt(10) == 0) headers.add("Content-Type: application/x-www-form-urlencoded");
      if (random.nextInt(15) == 0) headers.add("X-Junk: " + "j".repeat(random.nextInt(9000)));
      byte[] body = new byte[0];
      if (method.equals("PUT") || method.equals("POST") || random.nextInt(10) == 0) {
        int[] sizes = {0, 1, 10, 100, 4096, 4097, 10_000};
        body = new byte[sizes[random.nextInt(sizes.length)]];
        random.nextBytes(body);
      }
      Delivery delivery = Delivery.values()[random.nextInt(Delivery.values().length)];
      return new RequestShape(method, target, headers, body, delivery);
    }

    private static String randomTarget(Random random) {
      switch (random.nextInt(5)) {
        case 0:
          return FIXED_PATHS[random.nextInt(FIXED_PATHS.length)];
        case 1:
          return "/v1/kv?" + randomQuery(random);
        case 2:
          return "/v1/kv/" + "k".repeat(random.nextBoolean() ? 70 : 20_000); // 413, 414
        default:
          String key = randomKey(random);
          return "/v1/kv/" + key + (random.nextInt(3) == 0 ? "?" + randomQuery(random) : "");
      }
    }

    private static String randomKey(Random random) {
      StringBuilder key = new StringBuilder();
      int length = 1 + random.nextInt(12);
      for (int i = 0; i < length; i++) {
        char c = KEY_CHARS.charAt(random.nextInt(KEY_CHARS.length()));
        boolean escape = random.nextBoolean() || c == ' ' || c == '#' || c == '?';
        if (escape) {
          for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
            key.append(String.format("%%%02X", b & 0xFF));
          }
        } else {
          key.append(c);
        }
      }
      return key.toString();
    }

    private static String randomQuery(Random random) {
      List<String> pairs = new ArrayList<>();
      int n = random.nextInt(4);
      for (int i = 0; i < n; i++) {
        String name = PARAMS[random.nextInt(PARAMS.length)];
        pairs.add(random.nextInt(8) == 0 ? name : name + "=" + VALUES[random.nextInt(
            VALUES.length)]);
      }
      return String.join("&", pairs);
    }

    private static boolean isMembershipChange(String method, String target) {
      return (method.equals("DELETE") && target.startsWith("/v1/members/"))
          || (method.equals("POST") && (target.startsWith("/v1/members")
              || target.startsWith("/v1/leader")));
    }

    boolean isHead() {
      return method.equals("HEAD");
    }

    /** A GET of a key (of a path the server normalizes to one, as /v1//kv/a). */
    boolean isKeyRead() {
      return method.equals("GET") && target.contains("kv/");
    }

    /** A request cut off, or one the server may refuse by closing (an HTTP/2-style "*"). */
    boolean mayGoUnanswered() {
      return delivery == Delivery.HALF;
    }

    String describe() {
      return method + " " + (target.length() > 80 ? target.substring(0, 80) + "..." : target)
          + " (" + delivery + ", body " + body.length + " bytes, headers " + headers.size()
          + ")";
    }

    byte[] bytes() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
      for (String h : headers) head.append(h).append("\r\n");
      head.append("Connection: close\r\n");
      if (delivery == Delivery.CHUNKED) {
        head.append("Transfer-Encoding: chunked\r\n\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        int at = 0;
        while (at < body.length) {
          int n = Math.min(body.length - at, 1 + (at * 7 + 13) % 1500);
          out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(body, at, n);
          out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
          at += n;
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      } else {
        if (body.length > 0 || method.equals("PUT") || method.equals("POST")) {
          head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(body);
      }
      return out.toByteArray();
    }
  }
}
