package raftkv.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static raftkv.frontend.FrontEndTestSupport.assertError;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.config.NodeConfig.Limits;
import raftkv.config.NodeConfig.Member;
import raftkv.config.NodeConfig;
import raftkv.frontend.FakeNode;
import raftkv.frontend.FrontEndTestSupport;
import raftkv.frontend.FrontEndVerticle;
import raftkv.kv.KvCommand;
import raftkv.node.NodeFailure;
import raftkv.node.NodeRequest;
import raftkv.testing.FreePorts;
import raftkv.testing.TestHttp.Client;
import raftkv.testing.TestHttp.Reply;

/**
 * A standalone front end in front of three nodes' front ends (each with a fake node): it finds the
 * leader from their {@code /v1/cluster} answers, sends requests straight to it, follows changes of
 * leader and retries where that is safe.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FrontEndGatewayTest {

  private static final Limits LIMITS = new Limits(64, 4096, 100, 1000);

  private final List<Member> members = FrontEndTestSupport.members(FreePorts.next(),
      FreePorts.next(), FreePorts.next());
  private final List<FakeNode> nodes = new ArrayList<>();
  private final List<String> frontEnds = new ArrayList<>();

  /** Three nodes that all think {@code leaderId} leads, their front ends, and a gateway. */
  private Client cluster(Vertx vertx, int leaderId) {
    return cluster(vertx, leaderId, NodeConfig.Gateway.DEFAULTS);
  }

  /** As {@link #cluster(Vertx, int)}, with other gateway settings. */
  private Client cluster(Vertx vertx, int leaderId, NodeConfig.Gateway settings) {
    for (Member member : members) {
      nodes.add(FakeNode.start(vertx, member.id(), leaderId));
      frontEnds.add(FrontEndTestSupport.deployForUndeploy(vertx,
          FrontEndTestSupport.nodeConfig(member.id(), members, LIMITS)));
    }
    FrontEndVerticle gateway = Gateway.frontEnd(FrontEndTestSupport.gatewayConfig(members, LIMITS)
        .toBuilder().gateway(settings).build());
    vertx.deployVerticle(gateway).await();
    return new Client(vertx, gateway.actualPort());
  }

  private FakeNode node(int id) {
    return nodes.get(id - 1);
  }

  private void electEverywhere(int leaderId, long term) {
    for (FakeNode node : nodes) {
      node.term = term;
      node.leaderId = leaderId;
    }
  }

  @Test
  void theGatewayFindsTheLeaderAndSendsRequestsStraightToIt(Vertx vertx) {
    Client gateway = cluster(vertx, 2);

    Reply put = gateway.send(HttpMethod.PUT, "/v1/kv/k%2F1", Buffer.buffer("v"),
        "X-Request-Id", "g-1");
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.json()).isEqualTo(new JsonObject().put("revision", 1));
    assertThat(node(2).writes()).containsExactly(
        new KvCommand.Put("k/1", "v".getBytes(), KvCommand.ANY_REVISION, "g-1"));
    Reply get = gateway.get("/v1/kv/k/1");
    assertThat(get.text()).isEqualTo("v");
    assertThat(get.header("X-Revision")).isEqualTo("1");
    assertThat(gateway.get("/v1/kv?prefix=k").jsonArray()).hasSize(1);
    assertThat(node(1).received).isEmpty();
    assertThat(node(3).received).isEmpty();

    JsonObject view = gateway.get("/v1/cluster").json();
    assertThat(view.getBoolean("gateway")).isTrue();
    assertThat(view.getInteger("leaderId")).isEqualTo(2);
    assertThat(view.getJsonObject("leader").getString("role")).isEqualTo("LEADER");
    assertThat(view.getJsonArray("nodes")).hasSize(3);
    assertThat(view.getJsonArray("nodes").getJsonObject(0).getBoolean("reachable")).isTrue();
    assertThat(gateway.get("/health").json().getString("status")).isEqualTo("ok");
  }

  @Test
  void theGatewayFollowsAChangeOfLeader(Vertx vertx) throws InterruptedException {
    Client gateway = cluster(vertx, 1);
    assertThat(gateway.put("/v1/kv/a", "1").status()).isEqualTo(200);
    assertThat(node(1).writes()).hasSize(1);

    electEverywhere(3, 2);
    awaitPollRoundsAfterNow(2); // the second can only begin once the first has been taken in
    assertThat(gateway.put("/v1/kv/b", "2").status()).isEqualTo(200);
    assertThat(node(3).writes()).extracting(KvCommand.KeyWrite::key).containsExactly("b");
    assertThat(node(1).writes()).hasSize(1); // not asked again
    assertThat(gateway.get("/v1/cluster").json().getInteger("leaderId")).isEqualTo(3);
  }

  /**
   * A gateway configured with nodes 1 and 2 only finds node 3 through what they report, and
   * follows it when it leads: a member added after the gateway's configuration was written.
   */
  @Test
  void theGatewayFollowsTheMembersTheNodesReport(Vertx vertx) {
    for (Member member : members) {
      nodes.add(FakeNode.start(vertx, member.id(), 3));
      frontEnds.add(FrontEndTestSupport.deployForUndeploy(vertx,
          FrontEndTestSupport.nodeConfig(member.id(), members, LIMITS)));
    }
    JsonArray reported = new JsonArray();
    for (Member m : members) {
      reported.add(new JsonObject().put("id", m.id()).put("host", m.host())
          .put("raftPort", m.raftPort()).put("clientPort", m.clientPort()));
    }
    nodes.forEach(n -> n.reportedMembers = reported);
    FrontEndVerticle gateway =
        Gateway.frontEnd(FrontEndTestSupport.gatewayConfig(members.subList(0, 2), LIMITS));
    vertx.deployVerticle(gateway).await();
    Client client = new Client(vertx, gateway.actualPort());

    assertThat(client.put("/v1/kv/a", "1").status()).isEqualTo(200);
    assertThat(node(3).writes()).extracting(KvCommand.KeyWrite::key).containsExactly("a");
    assertThat(client.get("/v1/cluster").json().getInteger("leaderId")).isEqualTo(3);
  }

  /** Waits until the gateway's own polling has asked every node {@code rounds} more times. */
  private void awaitPollRoundsAfterNow(int rounds) throws InterruptedException {
    List<Integer> before = nodes.stream().map(n -> n.statusAnswered.get()).toList();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (int i = 0; i < nodes.size(); i++) {
      while (nodes.get(i).statusAnswered.get() < before.get(i) + rounds) {
        assertThat(System.nanoTime()).as("polls within 10 s").isLessThan(giveUp);
        Thread.sleep(10);
      }
    }
  }

  @Test
  void whenTheLeaderIsGoneTheGatewayLooksAgainAndRetries(Vertx vertx) {
    Client gateway = cluster(vertx, 1);
    assertThat(gateway.put("/v1/kv/a", "1").status()).isEqualTo(200);

    vertx.undeploy(frontEnds.get(0)).await(); // node 1's front end refuses connections now
    electEverywhere(2, 2);
    // Sent to node 1 first. Refused: nothing written, retried. But the gateway may try its
    // kept-alive connection to node 1 before it notices that node 1 closed it, and then cannot
    // know whether node 1 got the write: only the request id makes the retry safe.
    Reply put = gateway.send(HttpMethod.PUT, "/v1/kv/b", Buffer.buffer("2"),
        "X-Request-Id", "after-failover");
    assertThat(put.status()).isEqualTo(200);
    assertThat(node(2).writes()).extracting(KvCommand.KeyWrite::key).containsExactly("b");

    JsonObject view = gateway.get("/v1/cluster").json();
    assertThat(view.getInteger("leaderId")).isEqualTo(2);
    JsonObject first = view.getJsonArray("nodes").getJsonObject(0);
    assertThat(first.getBoolean("reachable")).isFalse();
    assertThat(first.getString("error")).isNotBlank();
  }

  @Test
  void aRequestThatWroteNothingIsRetried(Vertx vertx) {
    Client gateway = cluster(vertx, 1);
    node(1).failNext(new NodeFailure.Unavailable("injected"));
    assertThat(gateway.put("/v1/kv/a", "1").status()).isEqualTo(200);
    assertThat(node(1).writes()).hasSize(2);
    node(1).failNext(new NodeFailure.OutcomeUnknown("injected")); // for a read: nothing happened either
    assertThat(gateway.get("/v1/kv/a").text()).isEqualTo("1");
  }

  @Test
  void everyWriteGoesOutWithARequestIdSoAWriteOfUnknownFateIsRetriedUnderIt(Vertx vertx) {
    Client gateway = cluster(vertx, 1);

    node(1).failNext(new NodeFailure.OutcomeUnknown("injected"));
    assertThat(gateway.put("/v1/kv/a", "1").status()).isEqualTo(200);
    List<NodeRequest.Write> sent = writesTo(node(1));
    assertThat(sent).hasSize(2);
    String madeUp = sent.get(0).command().requestId();
    assertThat(madeUp).as("an id the gateway made up").startsWith("gw-");
    assertThat(sent.get(1)).as("the retry is the same request").isEqualTo(sent.get(0));
    assertThat(sent.get(0).keepIdMs()).as("remembered only as long as the gateway retries")
        .isEqualTo(NodeConfig.RequestIds.DEFAULTS.gatewayRetentionMs());

    gateway.put("/v1/kv/b", "2");
    assertThat(writesTo(node(1)).get(2).command().requestId()).isNotEqualTo(madeUp);

    node(1).failNext(new NodeFailure.OutcomeUnknown("injected"));
    Reply withId = gateway.send(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("2"),
        "X-Request-Id", "w-1");
    assertThat(withId.status()).isEqualTo(200);
    sent = writesTo(node(1));
    assertThat(sent).hasSize(5);
    assertThat(sent.get(4)).isEqualTo(sent.get(3));
    assertThat(sent.get(4).command().requestId()).isEqualTo("w-1");
    assertThat(sent.get(4).keepIdMs()).as("a client's own id: the full retention")
        .isEqualTo(NodeConfig.RequestIds.DEFAULTS.retentionMs());
  }

  @Test
  void theGatewayMakesAsManyAttemptsAsConfigured(Vertx vertx) {
    Client gateway = cluster(vertx, 1, new NodeConfig.Gateway(500, 2, 10, 4));
    for (int i = 0; i < 3; i++) node(1).failNext(new NodeFailure.Unavailable("injected"));

    assertError(gateway.get("/v1/kv/a"), 503, "injected");
    assertThat(node(1).received).hasSize(2); // the third failure is still queued
    assertThat(gateway.get("/v1/kv/a").status()).isEqualTo(404); // the retry got through
    assertThat(node(1).received).hasSize(4);
  }

  @Test
  void aWriteOfUnknownFateIsRetriedPastMaxAttemptsUntilItsDeadline(Vertx vertx) {
    Client gateway = cluster(vertx, 1, new NodeConfig.Gateway(500, 2, 10, 4));
    node(1).failNext(new NodeFailure.OutcomeUnknown("injected"));
    for (int i = 0; i < 3; i++) node(1).failNext(new NodeFailure.Unavailable("injected"));

    assertThat(gateway.put("/v1/kv/a", "3").status()).isEqualTo(200);
    assertThat(writesTo(node(1))).as("five attempts, though maxAttempts is 2").hasSize(5)
        .allSatisfy(w -> assertThat(w).isEqualTo(writesTo(node(1)).get(0)));
  }

  @Test
  void onceATrysFateIsUnknownTheAnswerIsNever503(Vertx vertx) {
    Client gateway = cluster(vertx, 1);
    node(1).failNext(new NodeFailure.OutcomeUnknown("injected"));
    for (int i = 0; i < 100; i++) node(1).failNext(new NodeFailure.Unavailable("injected"));

    Reply answer = gateway.put("/v1/kv/a", "3");
    assertError(answer, 504, "may or may not");
    assertThat(answer.json().getString("error")).as("the client sent no id")
        .doesNotContain("same X-Request-Id");
  }

  @Test
  void aRequestStuckOnALeaderThatWasReplacedMovesToTheNewOneWithinItsDeadline(Vertx vertx) {
    Client gateway = cluster(vertx, 1, new NodeConfig.Gateway(100, 6, 20, 4));
    assertThat(gateway.put("/v1/kv/warm", "up").status()).isEqualTo(200);
    node(1).silent = true; // takes requests and never answers, as a frozen leader does
    Future<Reply> stuck = gateway.start(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("1"));
    vertx.setTimer(150, id -> {
      node(2).term = 2; // node 1 still believes it leads, in the older term
      node(2).leaderId = 2;
      node(3).term = 2;
      node(3).leaderId = 2;
    });

    Reply answer = stuck.await();
    assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
    List<NodeRequest.Write> atOld = writesTo(node(1));
    List<NodeRequest.Write> atNew = writesTo(node(2));
    assertThat(atNew).hasSize(1);
    assertThat(atNew.get(0)).as("the same request, under the same id")
        .isEqualTo(atOld.get(atOld.size() - 1));
  }

  @Test
  void staleReadsGoToAnyMemberThatAnswersEvenWithoutALeader(Vertx vertx) {
    Client gateway = cluster(vertx, 0);
    for (int i = 0; i < 6; i++) {
      assertThat(gateway.get("/v1/kv/k?consistency=stale").status()).isEqualTo(404);
    }
    assertThat(nodes).allSatisfy(node -> assertThat(node.received).as("taken in turn").hasSize(2));
    assertError(gateway.get("/v1/kv/k"), 503, "no leader");
  }

  private static List<NodeRequest.Write> writesTo(FakeNode node) {
    return node.received.stream().filter(r -> r instanceof NodeRequest.Write)
        .map(r -> (NodeRequest.Write) r).toList();
  }

  @Test
  void withoutALeaderTheGatewayAnswers503WithinTheDeadline(Vertx vertx) {
    Client gateway = cluster(vertx, 0);
    long started = System.nanoTime();
    assertError(gateway.put("/v1/kv/a", "1"), 503, "no leader");
    // the deadline is 1000 ms; what is beyond it is the last attempt's own time
    assertThat(System.nanoTime() - started).isLessThan(TimeUnit.MILLISECONDS.toNanos(2500));
    assertError(gateway.get("/v1/kv/a"), 503, "no leader");
    JsonObject view = gateway.get("/v1/cluster").json();
    assertThat(view.getInteger("leaderId")).isZero();
    assertThat(view.getValue("leader")).isNull();
    assertThat(nodes).allSatisfy(node -> assertThat(node.received).isEmpty());
  }

  @Test
  void theGatewayRefusesBadInputItself(Vertx vertx) {
    Client gateway = cluster(vertx, 1);
    assertError(gateway.get("/v1/kv/%zz"), 400, "percent-encoding");
    assertError(gateway.put("/v1/kv/", "v"), 400, "empty");
    assertError(gateway.put("/v1/kv/a?prevRevision=x", "v"), 400, "prevRevision");
    assertError(gateway.send(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer(new byte[4097])), 413,
        "4096");
    assertError(gateway.put("/v1/kv/" + "k".repeat(65), "v"), 413, "65 bytes");
    assertError(gateway.send(HttpMethod.POST, "/v1/kv/a", null), 405, "POST");
    assertThat(gateway.get("/v2").status()).isEqualTo(404);
    assertThat(nodes).allSatisfy(node -> assertThat(node.received).isEmpty());
  }
}
