package raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.raft.AppendEntries;
import raftkv.raft.Entry;
import raftkv.raft.Message;
import raftkv.raft.RequestVote;
import raftkv.raft.RequestVoteResponse;
import raftkv.testing.FreePorts;

/**
 * A four-member cluster in one Vertx: nodes 1 and 2 are real (two verticles, two event loops),
 * node 3's port refuses connections, and node 4 is a {@link StuckPeer}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class TransportTest {

  private static final int DEAD = 3;
  private static final int STUCK = 4;

  private StuckPeer stuckPeer;
  private int deadPort;
  private ErrorLog errorLog;
  private TestNode node1;
  private TestNode node2;

  @BeforeEach
  void openFakePeers() throws IOException {
    errorLog = ErrorLog.attach();
    stuckPeer = new StuckPeer();
    deadPort = FreePorts.next(); // nothing listens there: connections are refused
  }

  @AfterEach
  void closeFakePeers() throws IOException {
    stuckPeer.close();
    errorLog.close();
  }

  /** Starts nodes 1 and 2, then tells each where the other listens. */
  private Future<Void> startNodes(Vertx vertx, TransportOptions options) {
    node1 = new TestNode(settings(1, options));
    node2 = new TestNode(settings(2, options));
    // both from this thread: each gets an event loop of its own
    return Future.all(vertx.deployVerticle(node1), vertx.deployVerticle(node2))
        .map(deployed -> {
          node1.transport().updatePeerAddress(2, "127.0.0.1", node2.transport().port());
          node2.transport().updatePeerAddress(1, "127.0.0.1", node1.transport().port());
          return null;
        });
  }

  private TransportSettings settings(int nodeId, TransportOptions options) {
    return TestSettings.node(nodeId, options, 0, 0, deadPort, stuckPeer.port());
  }

  @Test
  void messagesFlowBothWaysAndLandOnTheReceiversLoop(Vertx vertx, VertxTestContext tc) {
    RequestVote vote = new RequestVote(1, 2, 3, 10, 2, false);
    RequestVoteResponse answer = new RequestVoteResponse(2, 1, 3, true, false);

    startNodes(vertx, TransportOptions.defaults()).onComplete(tc.succeeding(v -> {
      node1.onLoop(() -> node1.transport().send(vote));
      node2.onLoop(() -> node2.transport().send(answer));
      when(vertx, tc, () -> node1.receivedCount() == 1 && node2.receivedCount() == 1, () -> {
        assertThat(node2.received()).containsExactly(vote);
        assertThat(node1.received()).containsExactly(answer);
        assertThat(node2.inboxThreads()).containsExactly(node2.loop());
        assertThat(node1.inboxThreads()).containsExactly(node1.loop());
        assertThat(node1.loop()).isNotSameAs(node2.loop());
        tc.completeNow();
      });
    }));
  }

  @Test
  void aBurstArrivesCompleteAndInOrderInFewRequests(Vertx vertx, VertxTestContext tc) {
    int count = 10_000;
    List<Message> burst = IntStream.range(0, count)
        .mapToObj(i -> (Message) new AppendEntries(1, 2, 7, i, 7,
            List.of(new Entry(i + 1, 7, "put key-" + i + " value-" + i)), i, i))
        .toList();

    startNodes(vertx, TransportOptions.defaults()).onComplete(tc.succeeding(v -> {
      sendOverManyTurns(vertx, node1, burst, 500);
      when(vertx, tc, () -> node2.receivedCount() >= count, () -> {
        assertThat(node2.received()).isEqualTo(burst);
        PeerStats toNode2 = node1.statsFor(2);
        assertThat(toNode2.requests()).isLessThan(count / 10);
        assertThat(toNode2.failedRequests()).isZero();
        assertThat(toNode2.droppedMessages()).isZero();
        assertThat(node2.transport().serverStats().receivedMessages()).isEqualTo(count);
        tc.completeNow();
      });
    }));
  }

  @Test
  void deadAndStuckPeersNeitherDelayTheLiveOneNorGrowTheirQueues(Vertx vertx,
      VertxTestContext tc) {
    int queueLimit = 100;
    TransportOptions options = TransportOptions.defaults().withQueueLimits(queueLimit, 1 << 20);
    List<Message> toLive = votes(2, 50);

    // six turns of the loop, each queueing 2,000 messages for the dead and the stuck peer,
    // then one turn with the messages for the live peer
    List<Message> messages = new ArrayList<>();
    for (int turn = 0; turn < 6; turn++) {
      messages.addAll(votes(DEAD, 2_000));
      messages.addAll(votes(STUCK, 2_000));
    }
    messages.addAll(toLive);

    startNodes(vertx, options).onComplete(tc.succeeding(v -> {
      sendOverManyTurns(vertx, node1, messages, 4_000);
      when(vertx, tc, () -> node2.receivedCount() == toLive.size()
          && node1.statsFor(DEAD).failedRequests() > 0, () -> {
        assertThat(node2.received()).isEqualTo(toLive);
        PeerStats stuck = node1.statsFor(STUCK);
        // everything for the live peer arrived while the stuck one's requests still hang
        assertThat(stuck.failedRequests()).isZero();
        assertThat(stuck.inflightRequests()).isEqualTo(options.maxInflightRequests());
        assertThat(stuck.queuedMessages()).isLessThanOrEqualTo(queueLimit);
        assertThat(stuck.droppedMessages())
            .isGreaterThanOrEqualTo(6 * 2_000 - (options.maxInflightRequests() + 1) * queueLimit);
        PeerStats dead = node1.statsFor(DEAD);
        assertThat(dead.queuedMessages()).isLessThanOrEqualTo(queueLimit);
        assertThat(dead.droppedMessages()).isPositive();
        tc.completeNow();
      });
    }));
  }

  @Test
  void requestsToAStuckPeerTimeOutAndAreCounted(Vertx vertx, VertxTestContext tc) {
    TransportOptions options = TransportOptions.defaults().withTimeouts(300, 300);

    startNodes(vertx, options).onComplete(tc.succeeding(v -> {
      node1.onLoop(() -> votes(STUCK, 10).forEach(node1.transport()::send));
      when(vertx, tc, () -> node1.statsFor(STUCK).failedRequests() > 0, () -> {
        PeerStats stuck = node1.statsFor(STUCK);
        assertThat(stuck.lostMessages()).isEqualTo(10);
        assertThat(stuck.deliveredMessages()).isZero();
        tc.completeNow();
      });
    }));
  }

  @Test
  void aPeerThatDiesMidRequestCostsFailedRequestsNotErrorLogs(Vertx vertx, VertxTestContext tc) {
    startNodes(vertx, TransportOptions.defaults()).onComplete(tc.succeeding(v -> {
      node1.onLoop(() -> votes(STUCK, 10).forEach(node1.transport()::send));
      when(vertx, tc, stuckPeer::holdsUnreadRequest, () -> {
        stuckPeer.close();
        when(vertx, tc, () -> node1.statsFor(STUCK).failedRequests() > 0, () -> {
          assertThat(node1.statsFor(STUCK).inflightRequests()).isZero();
          assertThat(errorLog.errors()).isEmpty();
          tc.completeNow();
        });
      });
    }));
  }

  @Test
  void aPeerThatComesBackGetsTheMessagesSentFromThenOn(Vertx vertx, VertxTestContext tc) {
    RequestVote lost = new RequestVote(1, 2, 3, 10, 2, false);
    RequestVote delivered = new RequestVote(1, 2, 4, 10, 2, false);

    startNodes(vertx, TransportOptions.defaults()).onComplete(tc.succeeding(v -> {
      node1.transport().updatePeerAddress(2, "127.0.0.1", deadPort);
      node1.onLoop(() -> node1.transport().send(lost));
      when(vertx, tc, () -> node1.statsFor(2).failedRequests() == 1, () -> {
        node1.transport().updatePeerAddress(2, "127.0.0.1", node2.transport().port());
        node1.onLoop(() -> node1.transport().send(delivered));
        when(vertx, tc, () -> node2.receivedCount() == 1, () -> {
          assertThat(node2.received()).containsExactly(delivered);
          assertThat(node1.statsFor(2).lostMessages()).isEqualTo(1);
          tc.completeNow();
        });
      });
    }));
  }

  @Test
  void sendNeverThrowsAndMovesCallsFromOtherThreadsOntoTheLoop(Vertx vertx,
      VertxTestContext tc) {
    RequestVote fromTheTestThread = new RequestVote(1, 2, 5, 10, 2, true);

    startNodes(vertx, TransportOptions.defaults()).onComplete(tc.succeeding(v -> {
      Transport transport = node1.transport();
      new Thread(() -> {
        transport.send(new RequestVote(1, 9, 5, 10, 2, true)); // not a member
        transport.send(new RequestVote(2, 3, 5, 10, 2, true)); // not from this node
        transport.send(null);
        transport.send(fromTheTestThread);
      }).start();
      when(vertx, tc, () -> node2.receivedCount() == 1, () -> {
        assertThat(node2.received()).containsExactly(fromTheTestThread);
        assertThat(node1.statsFor(DEAD).requests()).isZero();
        tc.completeNow();
      });
    }));
  }

  @Test
  void startingOffTheEventLoopFails(Vertx vertx, VertxTestContext tc) {
    Transport.start(vertx, settings(1, TransportOptions.defaults()), messages -> {})
        .onComplete(tc.failing(e -> tc.verify(() -> {
          assertThat(e).isInstanceOf(IllegalStateException.class)
              .hasMessageContaining("event loop");
          tc.completeNow();
        })));
  }

  // ------------------------------------------------------------------ helpers

  private static List<Message> votes(int to, int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> (Message) new RequestVote(1, to, i + 1, i, i, false)).toList();
  }

  /** Sends {@code chunk} messages per turn of node's loop, one turn per millisecond. */
  private static void sendOverManyTurns(Vertx vertx, TestNode node, List<Message> messages,
      int chunk) {
    AtomicInteger next = new AtomicInteger();
    node.onLoop(() -> vertx.setPeriodic(1, timer -> {
      int from = next.getAndAdd(chunk);
      messages.subList(from, Math.min(from + chunk, messages.size()))
          .forEach(node.transport()::send);
      if (from + chunk >= messages.size()) vertx.cancelTimer(timer);
    }));
  }

  /** Checks {@code condition} every 10 ms; once it holds, runs {@code then} inside verify. */
  private static void when(Vertx vertx, VertxTestContext tc, BooleanSupplier condition,
      VertxTestContext.ExecutionBlock then) {
    vertx.setPeriodic(10, timer -> {
      if (!condition.getAsBoolean()) return;
      vertx.cancelTimer(timer);
      tc.verify(then);
    });
  }
}
