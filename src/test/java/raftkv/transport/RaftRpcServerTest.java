package raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
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
import raftkv.testing.TestHttp.Reply;
import raftkv.testing.TestHttp;

/** Node 1 of a three-node cluster, spoken to over real HTTP on 127.0.0.1. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class RaftRpcServerTest {

  private static final int MAX_BODY_BYTES = 64 * 1024;

  private final List<List<Message>> inbox = new CopyOnWriteArrayList<>();
  private final List<Thread> inboxThreads = new CopyOnWriteArrayList<>();
  private volatile Thread serverLoop;
  private volatile RaftRpcServer server;
  private TestHttp http;
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
  void startNode(Vertx vertx) {
    errorLog = ErrorLog.attach();
    // one connection, so that the tests also show it stays usable after every kind of refusal
    http = new TestHttp(vertx, 10_000, 1);
    vertx.deployVerticle(new NodeVerticle()).await();
  }

  /** Every answer is the server's own: nothing reached Vert.x's "unhandled" error log. */
  @AfterEach
  void nothingWasLoggedAsAnError() {
    errorLog.close();
    assertThat(errorLog.errors()).isEmpty();
  }

  @Test
  void aGoodBatchReachesTheInboxOnTheNodesLoopBeforeThe204() {
    List<Message> messages = List.of(
        new RequestVote(2, 1, 5, 10, 4, true),
        new AppendEntries(2, 1, 5, 10, 4, List.of(new Entry(11, 5, "put k v")), 10, 3),
        new RequestVoteResponse(2, 1, 5, true, false));

    Reply response = post(RaftJson.encode(new Batch(2, 1, messages)));
    assertThat(response.status()).isEqualTo(204);
    assertThat(inbox).containsExactly(messages);
    assertThat(inboxThreads).containsOnly(serverLoop);
    assertThat(server.stats()).isEqualTo(new RaftRpcServer.Stats(1, 3, 0));
  }

  @Test
  void aMissingTokenIsRefused() {
    Reply response = send(HttpMethod.POST, RaftRpcServer.MESSAGES_PATH, aGoodBody());
    assertRefused(response, 400, "missing header X-Raftkv-Cluster-Token");
  }

  @Test
  void aWrongTokenIsRefusedWithoutRevealingTheRightOne() {
    Reply response = send(HttpMethod.POST, RaftRpcServer.MESSAGES_PATH, aGoodBody(),
        RaftRpcServer.TOKEN_HEADER, "guess");
    assertRefused(response, 400, "wrong cluster token");
    assertThat(response.text()).doesNotContain(TestSettings.TOKEN);
    assertThat(server.stats().refusedRequests()).isEqualTo(1);
  }

  @Test
  void aRefusalBeforeTheBodyIsReadLeavesTheConnectionUsable() {
    Buffer bigBody = Buffer.buffer(new byte[MAX_BODY_BYTES - 1]);
    Reply refused = send(HttpMethod.POST, RaftRpcServer.MESSAGES_PATH, bigBody,
        RaftRpcServer.TOKEN_HEADER, "guess");
    Reply accepted = post(aGoodBody());
    assertThat(refused.status()).isEqualTo(400);
    assertThat(accepted.status()).isEqualTo(204);
    assertThat(inbox).hasSize(1);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      not JSON           | `{"from":2,`                  | not valid JSON
      wrong field type   | `{"from":2,"to":1,"messages":[{"type":"vote","term":"5","lastLogIndex":0,"lastLogTerm":0,"preVote":false}]}` | messages[0].term: must be a non-negative integer, got a string
      unknown type       | `{"from":2,"to":1,"messages":[{"type":"install-snapshot","term":5}]}` | unknown message type 'install-snapshot'
      for another node   | `{"from":2,"to":3,"messages":[{"type":"vote-response","term":5,"granted":true,"preVote":false}]}` | the messages are for node 3, but this is node 1
      from itself        | `{"from":1,"to":1,"messages":[{"type":"vote-response","term":5,"granted":true,"preVote":false}]}` | the messages claim to come from node 1 itself
      transfer on reply  | `{"from":2,"to":1,"messages":[{"type":"vote-response","term":5,"granted":true,"preVote":false,"transfer":true}]}` | vote-response message has no field 'transfer'
      """)
  void aMalformedBatchIsRefusedAndNeverReachesTheInbox(String what, String body,
      String expectedError) {
    assertRefused(post(Buffer.buffer(body)), 400, expectedError);
  }

  @Test
  void anEmptyBodyIsRefused() {
    assertRefused(post(Buffer.buffer()), 400, "the body is empty");
  }

  @Test
  void aBodyOverTheLimitGets413() {
    assertRefused(post(Buffer.buffer(new byte[MAX_BODY_BYTES + 1])), 413,
        "over this node's limit of 65536 bytes");
  }


  @Test
  void aWrongMethodGets405() {
    Reply response = send(HttpMethod.GET, RaftRpcServer.MESSAGES_PATH, null);
    assertRefused(response, 405, "GET is not allowed on /raft/v1/messages (use POST)");
    assertThat(response.header("Allow")).isEqualTo("POST");
  }

  @Test
  void anUnknownRouteGets404() {
    Reply response = send(HttpMethod.POST, "/raft/v2/messages", aGoodBody(),
        RaftRpcServer.TOKEN_HEADER, TestSettings.TOKEN);
    assertRefused(response, 404, "no such route: POST /raft/v2/messages");
  }

  @Test
  void healthAnswers200() {
    Reply response = send(HttpMethod.GET, RaftRpcServer.HEALTH_PATH, null);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().getInteger("nodeId")).isEqualTo(1);
  }

  private Reply send(HttpMethod method, String path, Buffer body, String... headers) {
    return http.send(server.port(), method, path, body, headers);
  }

  private Reply post(Buffer body) {
    return send(HttpMethod.POST, RaftRpcServer.MESSAGES_PATH, body, RaftRpcServer.TOKEN_HEADER,
        TestSettings.TOKEN);
  }

  private static Buffer aGoodBody() {
    return RaftJson.encode(Batch.of(List.of(new RequestVoteResponse(2, 1, 5, true, false))));
  }

  /** An error status with a JSON error, and nothing handed to the node. */
  private void assertRefused(Reply response, int status, String error) {
    assertThat(response.status()).isEqualTo(status);
    assertThat(response.header("Content-Type")).isEqualTo("application/json");
    assertThat(response.error()).contains(error);
    assertThat(inbox).isEmpty();
  }
}
