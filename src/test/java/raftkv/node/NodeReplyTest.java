package raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The direct way from a front end to its node: answers on the asker's loop, or a timeout. */
@ExtendWith(VertxExtension.class)
class NodeReplyTest {

  @Test
  void anAnswerFromAnotherThreadCompletesOnTheAskersLoopOnce(Vertx vertx, VertxTestContext tc) {
    Context asker = vertx.getOrCreateContext();
    asker.runOnContext(v -> {
      Thread askerThread = Thread.currentThread();
      Promise<Object> promise = Promise.promise();
      NodeReply reply = new NodeReply.Direct(vertx, promise, 5_000);
      promise.future().onComplete(tc.succeeding(body -> tc.verify(() -> {
        assertThat(body).isEqualTo("first");
        assertThat(Thread.currentThread()).isSameAs(askerThread);
        tc.completeNow();
      })));
      new Thread(() -> {
        reply.reply("first");
        reply.fail(new NodeFailure.Unavailable("too late: ignored"));
      }).start();
    });
  }

  @Test
  void aRefusalIsTypedAndNamesTheLeader(Vertx vertx, VertxTestContext tc) {
    vertx.getOrCreateContext().runOnContext(v -> {
      Promise<Object> promise = Promise.promise();
      new NodeReply.Direct(vertx, promise, 5_000)
          .fail(new NodeFailure.NotLeader(new LeaderHint(3, "http://127.0.0.1:8103")));
      promise.future().onComplete(tc.failing(e -> tc.verify(() -> {
        assertThat(e).isInstanceOfSatisfying(NodeFailure.NotLeader.class, r ->
            assertThat(r.leader()).isEqualTo(new LeaderHint(3, "http://127.0.0.1:8103")));
        tc.completeNow();
      })));
    });
  }

  @Test
  void noAnswerInTimeIsAnUnknownOutcomeAndALateAnswerIsDropped(Vertx vertx, VertxTestContext tc) {
    vertx.getOrCreateContext().runOnContext(v -> {
      Promise<Object> promise = Promise.promise();
      NodeReply reply = new NodeReply.Direct(vertx, promise, 20);
      promise.future().onComplete(tc.failing(e -> tc.verify(() -> {
        assertThat(e).isInstanceOf(NodeFailure.OutcomeUnknown.class)
            .hasMessageContaining("did not answer within 20 ms");
        reply.reply("late"); // must not complete the promise twice (that would throw)
        tc.completeNow();
      })));
    });
  }
}
