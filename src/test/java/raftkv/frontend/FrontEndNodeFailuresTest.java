package raftkv.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static raftkv.frontend.FrontEndTestSupport.assertError;
import static raftkv.frontend.FrontEndTestSupport.awaitReceived;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.config.NodeConfig.Limits;
import raftkv.config.NodeConfig;
import raftkv.node.NodeFailure;
import raftkv.testing.TestHttp.Client;
import raftkv.testing.TestHttp.Reply;

/** How a node's front end answers when its node is busy, failing, silent or absent. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FrontEndNodeFailuresTest {

  private Client frontEnd(Vertx vertx, Limits limits) {
    FrontEndVerticle frontEnd = FrontEndTestSupport.deploy(vertx,
        FrontEndTestSupport.nodeConfig(1, FrontEndTestSupport.members(0), limits));
    return new Client(vertx, frontEnd.actualPort());
  }

  @Test
  void requestsOverTheInflightLimitAre429AtOnceAndReachNoNode(Vertx vertx) throws Exception {
    FakeNode node = FakeNode.start(vertx, 1, 1);
    node.holdReplies = true;
    Client client = frontEnd(vertx, new Limits(64, 4096, 2, 5000));

    Future<Reply> first = client.start(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("1"));
    Future<Reply> second = client.start(HttpMethod.PUT, "/v1/kv/b", Buffer.buffer("2"));
    awaitReceived(node, 2);

    long started = System.nanoTime();
    Reply third = client.put("/v1/kv/c", "3".repeat(1000));
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.header("content-type")).isEqualTo("application/json");
    assertThat(third.error()).contains("too many requests");
    assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(1));
    assertThat(client.get("/v1/kv/a").status()).isEqualTo(429);
    assertThat(node.received).hasSize(2);

    node.releaseHeld();
    assertThat(first.await().status()).isEqualTo(200);
    assertThat(second.await().status()).isEqualTo(200);
    // the slots are free again, and the connections that got a 429 still work
    assertThat(client.put("/v1/kv/c", "3").status()).isEqualTo(200);
    assertThat(client.get("/v1/kv/c").text()).isEqualTo("3");
    assertThat(client.get("/health").status()).isEqualTo(200);
  }

  @Test
  void theHealthCheckIsNotCountedAgainstTheLimit(Vertx vertx) throws Exception {
    FakeNode node = FakeNode.start(vertx, 1, 1);
    node.holdReplies = true;
    Client client = frontEnd(vertx, new Limits(64, 4096, 1, 5000));
    Future<Reply> held = client.start(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("1"));
    awaitReceived(node, 1);
    assertThat(client.get("/health").status()).isEqualTo(200);
    node.releaseHeld();
    assertThat(held.await().status()).isEqualTo(200);
  }

  @Test
  void nodeFailuresMapToTheApiStatuses(Vertx vertx) {
    FakeNode node = FakeNode.start(vertx, 1, 1);
    Client client = frontEnd(vertx, FrontEndTestSupport.LIMITS);

    node.failNext(new NodeFailure.Unavailable("injected"));
    assertError(client.put("/v1/kv/a", "v"), 503, "nothing was written");
    node.failNext(new NodeFailure.OutcomeUnknown("injected"));
    assertError(client.send(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("v"), "X-Request-Id",
        "id-1"), 504, "retry with the same X-Request-Id");
    node.failNext(new NodeFailure.OutcomeUnknown("injected"));
    assertError(client.delete("/v1/kv/a"), 504, "may or may not");
    node.failNext(new NodeFailure.OutcomeUnknown("injected"));
    assertError(client.get("/v1/kv/a"), 503, "the read was not served"); // 503, never 504
    node.failNext(new NodeFailure.Overloaded("injected"));
    assertError(client.put("/v1/kv/a", "v"), 429, "back off");
    node.failNext(new NodeFailure.Overloaded("injected"));
    assertError(client.get("/v1/kv/a"), 429, "back off");
    node.failNext(new NodeFailure.Unavailable("injected"));
    assertError(client.get("/v1/kv?prefix=a"), 503, "retry");
    node.failNext(new NodeFailure.OutcomeUnknown("injected"));
    Reply withoutId = client.put("/v1/kv/a", "v");
    assertError(withoutId, 504, "read the key");
    assertThat(withoutId.json().getString("error")).as("no id was sent: no advice to reuse one")
        .doesNotContain("same X-Request-Id").containsOnlyOnce("may or may not");

    assertThat(client.put("/v1/kv/a", "v").status()).isEqualTo(200);
  }

  @Test
  void aNodeThatKnowsNoLeaderGives503(Vertx vertx) {
    FakeNode node = FakeNode.start(vertx, 1, 0);
    Client client = frontEnd(vertx, FrontEndTestSupport.LIMITS);
    assertError(client.put("/v1/kv/a", "v"), 503, "no leader");
    assertError(client.get("/v1/kv/a"), 503, "no leader");
    assertThat(node.received).hasSize(2);
  }

  @Test
  void withoutARunningNodeEverythingButHealthIs503(Vertx vertx) {
    Client client = frontEnd(vertx, FrontEndTestSupport.LIMITS);
    assertError(client.put("/v1/kv/a", "v"), 503, "not running");
    assertError(client.get("/v1/kv/a"), 503, "not running");
    assertError(client.get("/v1/cluster"), 503, "not running");
    assertThat(client.get("/health").status()).isEqualTo(200);
  }

  @Test
  void aNodeSilentPastTheDeadlineGives504ForWritesAnd503ForReads(Vertx vertx) {
    FakeNode node = FakeNode.start(vertx, 1, 1);
    node.silent = true;
    Client client = frontEnd(vertx, new Limits(64, 4096, 100, 300));

    long started = System.nanoTime();
    assertError(client.put("/v1/kv/a", "v"), 504, "read the key");
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(tookMs).isBetween(250L, 2000L);
    assertError(client.delete("/v1/kv/a"), 504, "may or may not");
    assertError(client.get("/v1/kv/a"), 503, "did not answer within");
    assertError(client.get("/v1/kv"), 503, "did not answer within");
  }

  @Test
  void aPortInUseFailsTheStartWithAClearMessage(Vertx vertx) throws IOException {
    // another process's socket (servers within one Vertx would share the port instead)
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      NodeConfig config = FrontEndTestSupport.nodeConfig(1,
          FrontEndTestSupport.members(taken.getLocalPort()), FrontEndTestSupport.LIMITS);
      Throwable failure = vertx.deployVerticle(FrontEndTestSupport.frontEnd(vertx, config))
          .transform(done -> Future.succeededFuture(done.cause())).await();
      assertThat(failure).hasMessageContaining(
          "Node 1 cannot serve clients on 127.0.0.1:" + taken.getLocalPort());
    }
  }
}
