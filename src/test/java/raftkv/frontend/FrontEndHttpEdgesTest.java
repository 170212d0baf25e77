package raftkv.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.config.NodeConfig.Limits;
import raftkv.testing.RawHttp;
import raftkv.testing.TestHttp.Client;
import raftkv.testing.TestHttp.Reply;

/**
 * The front end at the edges of HTTP: HEAD, {@code Expect: 100-continue}, the HTTP layer's own
 * refusals, clients that stop sending, too many connections, and {@code /ready}. Timeouts are
 * short here (a read timeout of {@value #READ_TIMEOUT_MS} ms) so that the tests cross them.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FrontEndHttpEdgesTest {

  private static final int READ_TIMEOUT_MS = 400;
  private static final int IDLE_TIMEOUT_MS = 800;
  private static final int MAX_CONNECTIONS = 20;
  private static final Limits LIMITS = FrontEndTestSupport.LIMITS
      .withConnections(MAX_CONNECTIONS, READ_TIMEOUT_MS, IDLE_TIMEOUT_MS);
  private static final String HOST = FrontEndTestSupport.HOST;

  private FakeNode node;
  private Client client;
  private int port;

  @BeforeEach
  void start(Vertx vertx) {
    node = FakeNode.start(vertx, 1, 1);
    FrontEndVerticle frontEnd = FrontEndTestSupport.deploy(vertx,
        FrontEndTestSupport.nodeConfig(1, FrontEndTestSupport.members(0), LIMITS));
    port = frontEnd.actualPort();
    client = new Client(vertx, port);
  }

  @Test
  void headAnswersEveryGetRouteWithItsStatusAndHeadersAndNoBody() throws IOException {
    client.put("/v1/kv/k", "value");
    for (String uri : List.of("/health", "/ready", "/v1/kv/k", "/v1/kv/absent", "/v1/kv",
        "/v1/cluster", "/v1/members")) {
      Reply get = client.get(uri);
      RawHttp.Response head = RawHttp.exchange(HOST, port,
          "HEAD " + uri + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(head.status()).as(uri).isEqualTo(get.status());
      assertThat(head.header("content-type")).as(uri).isEqualTo(get.header("content-type"));
      assertThat(head.header("X-Revision")).as(uri).isEqualTo(get.header("X-Revision"));
      assertThat(head.body()).as(uri).isEmpty();
    }
    assertThat(RawHttp.exchange(HOST, port, "HEAD /v1/kv/k HTTP/1.1\r\nHost: x\r\n"
        + "Connection: close\r\n\r\n").header("content-length")).isEqualTo("5");
  }

  @Test
  void expectContinueIsAnsweredAndAnOversizedBodyIsRefusedBeforeItIsSent() throws IOException {
    try (RawHttp http = RawHttp.connect(HOST, port, 5_000)) {
      http.send("PUT /v1/kv/c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
          + "Expect: 100-continue\r\n\r\n");
      assertThat(http.read(false).status()).isEqualTo(100);
      http.send("ok");
      assertThat(http.read(false).status()).isEqualTo(200);
    }
    try (RawHttp http = RawHttp.connect(HOST, port, 5_000)) {
      http.send("PUT /v1/kv/c HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
          + "Expect: 100-continue\r\n\r\n");
      RawHttp.Response refused = http.read(false);
      assertThat(refused.status()).isEqualTo(413);
      assertThat(refused.json().getString("error")).contains("4096");
    }
    assertThat(client.get("/v1/kv/c").text()).isEqualTo("ok");
  }

  @Test
  void aClientWaitingFor100ContinueIsRefusedBeforeItSendsItsBodyWhileLoadIsShed(Vertx vertx)
      throws IOException {
    FakeNode busy = FakeNode.start(vertx, 2, 2);
    busy.holdReplies = true;
    FrontEndVerticle one = FrontEndTestSupport.deploy(vertx, FrontEndTestSupport.nodeConfig(2,
        FrontEndTestSupport.members(0, 0), new Limits(64, 4096, 1, 3000)));
    Client c = new Client(vertx, one.actualPort());
    c.start(HttpMethod.PUT, "/v1/kv/held", Buffer.buffer("v")); // holds the one slot
    awaitServed(() -> busy.received.size() == 1);
    try (RawHttp http = RawHttp.connect(HOST, one.actualPort(), 5_000)) {
      http.send("PUT /v1/kv/c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
          + "Expect: 100-continue\r\n\r\n");
      RawHttp.Response refused = http.read(false);
      assertThat(refused.status()).as("no 100 first").isEqualTo(429);
      assertThat(refused.json().getString("error")).contains("back off");
    }
    busy.releaseHeld();
  }

  @Test
  void theHttpLayersOwnRefusalsAreJson() throws IOException {
    RawHttp.Response longLine = RawHttp.exchange(HOST, port, "GET /v1/kv/" + "a".repeat(20_000)
        + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(longLine.status()).isEqualTo(414);
    assertThat(longLine.json().getString("error")).contains("too long");
    RawHttp.Response bigHeaders = RawHttp.exchange(HOST, port, "GET /health HTTP/1.1\r\nHost: x"
        + "\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n");
    assertThat(bigHeaders.status()).isEqualTo(431);
    assertThat(bigHeaders.json().getString("error")).contains("headers");
    RawHttp.Response garbage = RawHttp.exchange(HOST, port, "GET /health HTTP/1.1\r\n"
        + "Host: x\r\nContent-Length: banana\r\n\r\n");
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.json().getString("error")).contains("malformed");
    assertThat(node.received).isEmpty();
  }

  @Test
  void aBodyThatStopsArrivingIs408AndWritesNothing() throws IOException {
    try (RawHttp http = RawHttp.connect(HOST, port, 5_000)) {
      http.send("PUT /v1/kv/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
      long started = System.nanoTime();
      RawHttp.Response timedOut = http.read(false);
      assertThat(timedOut.status()).isEqualTo(408);
      assertThat(timedOut.json().getString("error")).contains("readTimeoutMs");
      assertThat(System.nanoTime() - started)
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(READ_TIMEOUT_MS - 50));
      assertThat(http.closedByServer()).isTrue();
    }
    assertThat(node.received).isEmpty();
    assertThat(client.get("/v1/kv/slow").status()).isEqualTo(404);
  }

  @Test
  void aConnectionThatSendsNoWholeRequestIs408AndAnIdleOneIsClosed() throws IOException {
    try (RawHttp http = RawHttp.connect(HOST, port, 5_000)) {
      http.send("GET /v1/kv/k HTT"); // and nothing more
      RawHttp.Response timedOut = http.read(false);
      assertThat(timedOut.status()).isEqualTo(408);
      assertThat(timedOut.json().getString("error")).contains("no complete request");
      assertThat(http.closedByServer()).isTrue();
    }
    try (RawHttp http = RawHttp.connect(HOST, port, 5_000)) {
      http.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(http.read(false).status()).isEqualTo(200);
      long started = System.nanoTime();
      assertThat(http.closedByServer()).as("idle after its answer").isTrue();
      assertThat(System.nanoTime() - started)
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(IDLE_TIMEOUT_MS - 50));
    }
  }

  @Test
  void connectionsBeyondTheCapAre503AndHalfSentRequestsHoldNoRequestSlots() throws Exception {
    List<RawHttp> stuck = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        // one byte of a ten-byte body: such requests hold a connection, not a request slot
        stuck.add(RawHttp.connect(HOST, port, 5_000)
            .send("PUT /v1/kv/s" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\na"));
      }
      RawHttp.Response refused = RawHttp.exchange(HOST, port,
          "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.json().getString("error")).contains("maxConnections");
    } finally {
      for (RawHttp http : stuck) http.close();
    }
    awaitServed(() -> client.get("/health").status() == 200);
    assertThat(client.put("/v1/kv/after", "v").status()).isEqualTo(200);
    assertThat(node.writes()).hasSize(1);
  }

  @Test
  void readyTellsALoadBalancerTheTruth() {
    Reply ready = client.get("/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getBoolean("ready")).isTrue();

    node.leaderId = 0;
    Reply notReady = client.get("/ready");
    assertThat(notReady.status()).isEqualTo(503);
    assertThat(notReady.json().getBoolean("ready")).isFalse();
    assertThat(notReady.error()).contains("knows no leader");
    assertThat(client.get("/health").status()).as("the process is still up").isEqualTo(200);

    node.leaderId = 1;
    node.stop();
    Reply stopped = client.get("/ready");
    assertThat(stopped.status()).isEqualTo(503);
    assertThat(stopped.error()).contains("not running");
  }

  @Test
  void aKeyPathIsNeverAListing() {
    client.put("/v1/kv/%2F", "slash");
    Reply slash = client.get("/v1/kv//");
    assertThat(slash.status()).isEqualTo(200);
    assertThat(slash.text()).isEqualTo("slash");
    FrontEndTestSupport.assertError(client.get("/v1/kv/"), 400, "empty");
    assertThat(client.get("/v1/kv").status()).isEqualTo(200);
  }

  @Test
  void listingsComeInPagesWithACursor() {
    for (int i = 0; i < 25; i++) client.put("/v1/kv/p/" + (char) ('a' + i) + "%20&=", "v" + i);
    List<String> seen = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      Reply page = client.get("/v1/kv?prefix=p/&limit=10" + (after == null ? "" : "&after="
          + after));
      assertThat(page.status()).isEqualTo(200);
      seen.addAll(FrontEndKvTest.keys(page.jsonArray()));
      after = page.header("X-Next-After");
      assertThat(page.header("X-More-Keys")).isEqualTo(after == null ? null : "true");
      pages++;
    } while (after != null);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(25).doesNotHaveDuplicates().isSorted();
    assertThat(seen.get(0)).isEqualTo("p/a &=");
  }

  @Test
  void aLimitBeyondTheCapIsClampedAndAPageStopsAtItsBytes(Vertx vertx) {
    Limits small = FrontEndTestSupport.LIMITS.withListing(5, 3000);
    FakeNode.start(vertx, 2, 2);
    FrontEndVerticle capped = FrontEndTestSupport.deploy(vertx,
        FrontEndTestSupport.nodeConfig(2, FrontEndTestSupport.members(0, 0), small));
    Client c = new Client(vertx, capped.actualPort());
    for (int i = 0; i < 8; i++) {
      c.send(HttpMethod.PUT, "/v1/kv/big" + i, Buffer.buffer(new byte[1000]));
    }
    assertThat(c.get("/v1/kv?limit=99999999999999999999999").jsonArray()).hasSize(5);
    Reply clamped = c.get("/v1/kv?limit=1000000");
    assertThat(clamped.status()).isEqualTo(200);
    assertThat(clamped.jsonArray()).hasSize(5);
    assertThat(clamped.header("X-Next-After")).isEqualTo("big4");

    Reply withValues = c.get("/v1/kv?values=true");
    assertThat(withValues.jsonArray()).as("3 values of 1000 bytes reach 3000").hasSize(3);
    assertThat(withValues.header("X-Next-After")).isEqualTo("big2");
  }

  private static void awaitServed(java.util.function.BooleanSupplier served) {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!served.getAsBoolean()) {
      assertThat(System.nanoTime()).as("served again within 5 s").isLessThan(giveUp);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }
}
