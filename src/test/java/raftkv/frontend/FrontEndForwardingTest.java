package raftkv.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static raftkv.frontend.FrontEndTestSupport.assertError;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.config.NodeConfig.Limits;
import raftkv.config.NodeConfig.Member;
import raftkv.kv.KvCommand;
import raftkv.testing.FreePorts;
import raftkv.testing.RawHttp;
import raftkv.testing.TestHttp.Client;
import raftkv.testing.TestHttp.Reply;

/** A follower's front end forwards to the leader's front end, once, and relays its answer. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FrontEndForwardingTest {

  private final int port1 = FreePorts.next();
  private final int port2 = FreePorts.next();
  private final List<Member> members = FrontEndTestSupport.members(port1, port2);

  private Client frontEnd(Vertx vertx, int nodeId, Limits limits) {
    FrontEndTestSupport.deploy(vertx, FrontEndTestSupport.nodeConfig(nodeId, members, limits));
    return new Client(vertx, nodeId == 1 ? port1 : port2);
  }

  @Test
  void aFollowerRelaysTheLeadersAnswers(Vertx vertx) {
    FakeNode follower = FakeNode.start(vertx, 1, 2);
    FakeNode leader = FakeNode.start(vertx, 2, 2);
    Client viaFollower = frontEnd(vertx, 1, FrontEndTestSupport.LIMITS);
    frontEnd(vertx, 2, FrontEndTestSupport.LIMITS);

    Reply put = viaFollower.send(HttpMethod.PUT, "/v1/kv/a%2Fb", Buffer.buffer("v1"),
        "X-Request-Id", "id-7");
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.json()).isEqualTo(new JsonObject().put("revision", 1));
    assertThat(leader.writes()).containsExactly(
        new KvCommand.Put("a/b", "v1".getBytes(), KvCommand.ANY_REVISION, "id-7"));
    assertThat(follower.writes()).as("it knew the leader: forwarded without asking its node")
        .isEmpty();

    Reply get = viaFollower.get("/v1/kv/a/b");
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.text()).isEqualTo("v1");
    assertThat(get.header("X-Revision")).isEqualTo("1");
    assertThat(get.header("content-type")).isEqualTo("application/octet-stream");

    Reply compareFailed = viaFollower.put("/v1/kv/a%2Fb?prevRevision=0", "v2");
    assertThat(compareFailed.status()).isEqualTo(412);
    assertThat(compareFailed.json().getLong("revision")).isEqualTo(1);

    viaFollower.put("/v1/kv/a%2Fc", "v3");
    Reply listing = viaFollower.get("/v1/kv?prefix=a/&limit=1");
    assertThat(FrontEndKvTest.keys(listing.jsonArray())).containsExactly("a/b");
    assertThat(listing.header("X-More-Keys")).isEqualTo("true");
    assertThat(listing.header("X-Next-After")).as("the cursor is relayed").isEqualTo("a/b");

    Reply delete = viaFollower.delete("/v1/kv/a%2Fb");
    assertThat(delete.json()).isEqualTo(new JsonObject().put("revision", 3).put("deleted", true));
    assertThat(viaFollower.get("/v1/kv/a%2Fb").status()).isEqualTo(404);

    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) all[i] = (byte) i;
    assertThat(viaFollower.send(HttpMethod.PUT, "/v1/kv/bin", Buffer.buffer(all)).status())
        .isEqualTo(200);
    assertThat(viaFollower.get("/v1/kv/bin").body().getBytes()).isEqualTo(all);
    Reply empty = viaFollower.send(HttpMethod.PUT, "/v1/kv/empty", null);
    assertThat(empty.status()).isEqualTo(200);
    assertThat(viaFollower.get("/v1/kv/empty").body().length()).isZero();
  }

  @Test
  void rawUtf8ReachesTheLeaderAsTheSameKeyAndPrefix(Vertx vertx) throws Exception {
    FakeNode.start(vertx, 1, 2);
    FakeNode leader = FakeNode.start(vertx, 2, 2);
    frontEnd(vertx, 1, FrontEndTestSupport.LIMITS);
    Client direct = frontEnd(vertx, 2, FrontEndTestSupport.LIMITS);

    RawHttp.Response put = RawHttp.exchange(FrontEndTestSupport.HOST, port1,
        "PUT /v1/kv/uni/h\u00e9 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
            + "Connection: close\r\n\r\nv");
    assertThat(put.status()).isEqualTo(200);
    assertThat(leader.writes()).extracting(KvCommand.KeyWrite::key).containsExactly("uni/h\u00e9");
    assertThat(direct.get("/v1/kv/uni/h%C3%A9").text()).isEqualTo("v");

    RawHttp.Response listing = RawHttp.exchange(FrontEndTestSupport.HOST, port1,
        "GET /v1/kv?prefix=uni/h\u00e9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(listing.status()).isEqualTo(200);
    assertThat(listing.text()).contains("uni/h\u00e9");
  }

  @Test
  void aRequestForwardedToAFrozenLeaderMovesOnOnceAnotherLeads(Vertx vertx) {
    int port3 = FreePorts.next();
    List<Member> three = FrontEndTestSupport.members(port1, port2, port3);
    FakeNode follower = FakeNode.start(vertx, 1, 2);
    FakeNode newLeader = FakeNode.start(vertx, 3, 3);
    // in node 2's place: a leader that froze, taking requests and never answering
    vertx.createHttpServer().requestHandler(request -> { })
        .listen(port2, FrontEndTestSupport.HOST).await();
    FrontEndTestSupport.deploy(vertx, FrontEndTestSupport.nodeConfig(1, three,
        FrontEndTestSupport.LIMITS));
    FrontEndTestSupport.deploy(vertx, FrontEndTestSupport.nodeConfig(3, three,
        FrontEndTestSupport.LIMITS));
    Client client = new Client(vertx, port1);
    long deadlineMs = FrontEndTestSupport.LIMITS.requestTimeoutMs();

    electLater(vertx, follower, 3);
    long started = System.nanoTime();
    assertThat(client.get("/v1/kv/a").status()).as("read at the new leader").isEqualTo(404);
    Reply withId = client.send(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("v"), "X-Request-Id",
        "id-9");
    assertThat(withId.status()).as("a write with an id is sent on again").isEqualTo(200);
    assertThat(newLeader.writes()).extracting(KvCommand.KeyWrite::requestId).containsExactly("id-9");
    follower.leaderId = 2;
    electLater(vertx, follower, 3);
    assertError(client.put("/v1/kv/b", "v"), 504, "leads now");
    assertThat(newLeader.writes()).as("a write without an id is not repeated").hasSize(1);
    follower.leaderId = 2;
    electLater(vertx, follower, 1); // this time the follower itself wins
    Reply servedHere = client.send(HttpMethod.PUT, "/v1/kv/c", Buffer.buffer("v"),
        "X-Request-Id", "id-10");
    assertThat(servedHere.status()).as(servedHere.body().toString()).isEqualTo(200);
    assertThat(follower.writes()).extracting(KvCommand.KeyWrite::requestId).containsExactly("id-10");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
        .as("four requests, each well within its deadline").isLessThan(2 * deadlineMs);
  }

  /** Node {@code follower} learns, 300 ms from now, that {@code leaderId} leads. */
  private static void electLater(Vertx vertx, FakeNode follower, int leaderId) {
    vertx.setTimer(300, id -> follower.leaderId = leaderId);
  }

  @Test
  void staleReadsAreServedByTheFollowerItself(Vertx vertx) {
    FakeNode.start(vertx, 1, 2);
    FakeNode.start(vertx, 2, 2);
    Client viaFollower = frontEnd(vertx, 1, FrontEndTestSupport.LIMITS);
    frontEnd(vertx, 2, FrontEndTestSupport.LIMITS);

    viaFollower.put("/v1/kv/k", "v"); // lands on the leader only: fake nodes do not replicate
    assertThat(viaFollower.get("/v1/kv/k").status()).isEqualTo(200);
    assertThat(viaFollower.get("/v1/kv/k?consistency=stale").status()).isEqualTo(404);
    assertThat(viaFollower.get("/v1/kv?consistency=stale").jsonArray()).isEmpty();
  }

  @Test
  void aForwardedRequestIsNeverForwardedAgain(Vertx vertx) {
    FakeNode one = FakeNode.start(vertx, 1, 2);
    FakeNode two = FakeNode.start(vertx, 2, 1); // they disagree, as during an election
    Client client = frontEnd(vertx, 1, FrontEndTestSupport.LIMITS);
    frontEnd(vertx, 2, FrontEndTestSupport.LIMITS);

    assertError(client.put("/v1/kv/a", "v"), 503, "forwarded");
    assertThat(one.received).as("node 1 knew whom to forward to without asking").isEmpty();
    assertThat(two.received).hasSize(1);
    one.hintLeader = false;
    assertError(client.put("/v1/kv/a", "v"), 503, "forwarded");
    assertThat(one.received).as("asked first, it named node 2").hasSize(1);
    assertError(client.get("/v1/kv/a"), 503, "does not lead");
  }

  @Test
  void anUnreachableLeaderGives503(Vertx vertx) {
    FakeNode.start(vertx, 1, 2); // node 2 has no front end listening
    Client client = frontEnd(vertx, 1, FrontEndTestSupport.LIMITS);
    long started = System.nanoTime();
    assertError(client.put("/v1/kv/a", "v"), 503, "cannot reach node 2");
    assertError(client.get("/v1/kv/a"), 503, "the read was not served");
    assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(2));
  }

  @Test
  void aLeaderThatTakesTheRequestAndNeverAnswersGives504ForWrites(Vertx vertx) {
    FakeNode.start(vertx, 1, 2);
    // in node 2's place: a server that reads requests and never answers
    vertx.createHttpServer().requestHandler(request -> { })
        .listen(port2, FrontEndTestSupport.HOST).await();
    Client client = frontEnd(vertx, 1, new Limits(64, 4096, 100, 400));

    long started = System.nanoTime();
    assertError(client.put("/v1/kv/a", "v"), 504, "read the key");
    assertError(client.send(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("v"), "X-Request-Id",
        "id-1"), 504, "retry with the same X-Request-Id");
    assertThat(System.nanoTime() - started).isBetween(
        TimeUnit.MILLISECONDS.toNanos(350), TimeUnit.SECONDS.toNanos(2));
    assertError(client.delete("/v1/kv/a"), 504, "may or may not");
    assertError(client.get("/v1/kv/a"), 503, "the read was not served");
  }
}
