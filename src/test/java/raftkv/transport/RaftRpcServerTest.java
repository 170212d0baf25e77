package raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import raftkv.raft.AppendEntries;
import raftkv.raft.Entry;
import raftkv.raft.Message;
import raftkv.raft.RequestVote;
import raftkv.raft.RequestVoteResponse;

/** Node 1 of a three-node cluster, spoken to over real HTTP on 127.0.0.1. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class RaftRpcServerTest {

  private static final int MAX_BODY_BYTES = 64 * 1024;

  private final List<List<Message>> inbox = new CopyOnWriteArrayList<>();
  private final List<Thread> inboxThreads = new CopyOnWriteArrayList<>();
  private volatile Thread serverLoop;
  private volatile RaftRpcServer server;
  private WebClient client;
  private ErrorLog errorLog;

  /** Runs the server inside a verticle, as a node does, and remembers its event loop. */
  private final class NodeVerticle extends VerticleBase {
    @Override
    public Future<?> start() {
      serverLoop = Thread.currentThread();
      TransportOptions options = TransportOptions.defaults().withMaxBodyBytes(MAX_BODY_BYTES);
      return RaftRpcServer.start(vertx, TestSettings.node(1, options, 0, 9, 9), messages -> {
        inboxThreads.add(Thread.currentThread());
        inbox.add(messages);
      }).onSuccess(s -> server = s);
    }
  }

  @BeforeEach
  void startNode(Vertx vertx, VertxTestContext tc) {
    errorLog = ErrorLog.attach();
    // one connection, so that the tests also show it stays usable after every kind of refusal
    client = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(1));
    vertx.deployVerticle(new NodeVerticle()).onComplete(tc.succeedingThenComplete());
  }

  /** Every answer is the server's own: nothing reached Vert.x's "unhandled" error log. */
  @AfterEach
  void nothingWasLoggedAsAnError() {
    errorLog.close();
    assertThat(errorLog.errors()).isEmpty();
  }

  @Test
  void aGoodBatchReachesTheInboxOnTheNodesLoopBeforeThe204(VertxTestContext tc) {
    List<Message> messages = List.of(
        new RequestVote(2, 1, 5, 10, 4, true),
        new AppendEntries(2, 1, 5, 10, 4, List.of(new Entry(11, 5, "put k v")), 10, 3),
        new RequestVoteResponse(2, 1, 5, true, false));

    post(RaftJson.encode(new Batch(2, 1, messages)))
        .onComplete(tc.succeeding(response -> tc.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(204);
          assertThat(inbox).containsExactly(messages);
          assertThat(inboxThreads).containsOnly(serverLoop);
          assertThat(server.stats()).isEqualTo(new RaftRpcServer.Stats(1, 3, 0));
          tc.completeNow();
        })));
  }

  @Test
  void aMissingTokenIsRefused(VertxTestContext tc) {
    client.post(server.port(), "127.0.0.1", RaftRpcServer.MESSAGES_PATH)
        .sendBuffer(aGoodBody())
        .onComplete(tc.succeeding(response -> tc.verify(() -> {
          assertRefused(response, 400, "missing header X-Raftkv-Cluster-Token");
          tc.completeNow();
        })));
  }

  @Test
  void aWrongTokenIsRefusedWithoutRevealingTheRightOne(VertxTestContext tc) {
    client.post(server.port(), "127.0.0.1", RaftRpcServer.MESSAGES_PATH)
        .putHeader(RaftRpcServer.TOKEN_HEADER, "guess")
        .sendBuffer(aGoodBody())
        .onComplete(tc.succeeding(response -> tc.verify(() -> {
          assertRefused(response, 400, "wrong cluster token");
          assertThat(response.bodyAsString()).doesNotContain(TestSettings.TOKEN);
          assertThat(server.stats().refusedRequests()).isEqualTo(1);
          tc.completeNow();
        })));
  }

  @Test
  void aRefusalBeforeTheBodyIsReadLeavesTheConnectionUsable(VertxTestContext tc) {
    Buffer bigBody = Buffer.buffer(new byte[MAX_BODY_BYTES - 1]);
    client.post(server.port(), "127.0.0.1", RaftRpcServer.MESSAGES_PATH)
        .putHeader(RaftRpcServer.TOKEN_HEADER, "guess")
        .sendBuffer(bigBody)
        .compose(refused -> post(aGoodBody()).map(accepted -> List.of(refused, accepted)))
        .onComplete(tc.succeeding(responses -> tc.verify(() -> {
          assertThat(responses.get(0).statusCode()).isEqualTo(400);
          assertThat(responses.get(1).statusCode()).isEqualTo(204);
          assertThat(inbox).hasSize(1);
          tc.completeNow();
        })));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      not JSON           | `{"from":2,`                  | not valid JSON
      wrong field type   | `{"from":2,"to":1,"messages":[{"type":"vote","term":"5","lastLogIndex":0,"lastLogTerm":0,"preVote":false}]}` | messages[0].term: must be a non-negative integer, got a string
      unknown type       | `{"from":2,"to":1,"messages":[{"type":"install-snapshot","term":5}]}` | unknown message type 'install-snapshot'
      for another node   | `{"from":2,"to":3,"messages":[{"type":"vote-response","term":5,"granted":true,"preVote":false}]}` | the messages are for node 3, but this is node 1
      from a stranger    | `{"from":7,"to":1,"messages":[{"type":"vote-response","term":5,"granted":true,"preVote":false}]}` | the messages come from node 7, which is not a peer of node 1 (its peers are [2, 3])
      from itself        | `{"from":1,"to":1,"messages":[{"type":"vote-response","term":5,"granted":true,"preVote":false}]}` | the messages come from node 1, which is not a peer of node 1
      """)
  void aMalformedBatchIsRefusedAndNeverReachesTheInbox(String what, String body,
      String expectedError, VertxTestContext tc) {
    post(Buffer.buffer(body)).onComplete(tc.succeeding(response -> tc.verify(() -> {
      assertRefused(response, 400, expectedError);
      tc.completeNow();
    })));
  }

  @Test
  void anEmptyBodyIsRefused(VertxTestContext tc) {
    post(Buffer.buffer()).onComplete(tc.succeeding(response -> tc.verify(() -> {
      assertRefused(response, 400, "the body is empty");
      tc.completeNow();
    })));
  }

  @Test
  void aBodyOverTheLimitGets413(VertxTestContext tc) {
    post(Buffer.buffer(new byte[MAX_BODY_BYTES + 1]))
        .onComplete(tc.succeeding(response -> tc.verify(() -> {
          assertRefused(response, 413, "over this node's limit of 65536 bytes");
          tc.completeNow();
        })));
  }

  @Test
  void aWrongMethodGets405(VertxTestContext tc) {
    client.request(HttpMethod.GET, server.port(), "127.0.0.1", RaftRpcServer.MESSAGES_PATH)
        .send()
        .onComplete(tc.succeeding(response -> tc.verify(() -> {
          assertRefused(response, 405, "GET is not allowed on /raft/v1/messages (use POST)");
          assertThat(response.getHeader("Allow")).isEqualTo("POST");
          tc.completeNow();
        })));
  }

  @Test
  void anUnknownRouteGets404(VertxTestContext tc) {
    client.post(server.port(), "127.0.0.1", "/raft/v2/messages")
        .putHeader(RaftRpcServer.TOKEN_HEADER, TestSettings.TOKEN)
        .sendBuffer(aGoodBody())
        .onComplete(tc.succeeding(response -> tc.verify(() -> {
          assertRefused(response, 404, "no such route: POST /raft/v2/messages");
          tc.completeNow();
        })));
  }

  @Test
  void healthAnswers200(VertxTestContext tc) {
    client.get(server.port(), "127.0.0.1", RaftRpcServer.HEALTH_PATH).send()
        .onComplete(tc.succeeding(response -> tc.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.bodyAsJsonObject().getInteger("nodeId")).isEqualTo(1);
          tc.completeNow();
        })));
  }

  private Future<HttpResponse<Buffer>> post(Buffer body) {
    HttpRequest<Buffer> request = client.post(server.port(), "127.0.0.1",
        RaftRpcServer.MESSAGES_PATH).putHeader(RaftRpcServer.TOKEN_HEADER, TestSettings.TOKEN);
    return request.sendBuffer(body);
  }

  private static Buffer aGoodBody() {
    return RaftJson.encode(Batch.of(List.of(new RequestVoteResponse(2, 1, 5, true, false))));
  }

  /** An error status with a JSON error, and nothing handed to the node. */
  private void assertRefused(HttpResponse<Buffer> response, int status, String error) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(response.bodyAsJsonObject().getString("error")).contains(error);
    assertThat(inbox).isEmpty();
  }
}
