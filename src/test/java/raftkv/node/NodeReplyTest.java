package raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
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
        reply.fail(NodeChannel.UNAVAILABLE, "too late: ignored");
      }).start();
    });
  }

  @Test
  void aRefusalCarriesTheNodesCode(Vertx vertx, VertxTestContext tc) {
    vertx.getOrCreateContext().runOnContext(v -> {
      Promise<Object> promise = Promise.promise();
      new NodeReply.Direct(vertx, promise, 5_000).fail(NodeChannel.NOT_LEADER, "3");
      promise.future().onComplete(tc.failing(e -> tc.verify(() -> {
        assertThat(e).isInstanceOfSatisfying(ReplyException.class, r -> {
          assertThat(r.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
          assertThat(r.failureCode()).isEqualTo(NodeChannel.NOT_LEADER);
          assertThat(r.getMessage()).isEqualTo("3");
        });
        tc.completeNow();
      })));
    });
  }

  @Test
  void noAnswerInTimeIsATimeoutAndALateAnswerIsDropped(Vertx vertx, VertxTestContext tc) {
    vertx.getOrCreateContext().runOnContext(v -> {
      Promise<Object> promise = Promise.promise();
      NodeReply reply = new NodeReply.Direct(vertx, promise, 20);
      promise.future().onComplete(tc.failing(e -> tc.verify(() -> {
        assertThat(e).isInstanceOfSatisfying(ReplyException.class,
            r -> assertThat(r.failureType()).isEqualTo(ReplyFailure.TIMEOUT));
        reply.reply("late"); // must not complete the promise twice (that would throw)
        tc.completeNow();
      })));
    });
  }
}
