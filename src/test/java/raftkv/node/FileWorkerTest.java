package raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A node's file worker: closing waits for the work it was given, then refuses more. */
@ExtendWith(VertxExtension.class)
class FileWorkerTest {

  @Test
  void closeWaitsForTheRunningTaskAndRefusesNewOnes(Vertx vertx, VertxTestContext tc)
      throws InterruptedException {
    CountDownLatch taskStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean taskFinished = new AtomicBoolean();
    List<String> order = new ArrayList<>(); // touched on the loop only
    Promise<Future<Void>> closed = Promise.promise();
    Context loop = vertx.getOrCreateContext();
    loop.runOnContext(v -> {
      FileWorker worker = new FileWorker(vertx, "file-worker-test");
      worker.run(() -> {
        taskStarted.countDown();
        release.await();
        taskFinished.set(true);
        return "written";
      });
      Future<Void> closing = worker.close();
      closing.onSuccess(done -> order.add(taskFinished.get() ? "closed after the task"
          : "closed before the task finished"));
      Future<String> late = worker.run(() -> "late");
      order.add(late.failed() ? "late refused" : "late accepted");
      closed.complete(closing);
    });

    assertThat(taskStarted.await(10, TimeUnit.SECONDS)).isTrue();
    Future<Void> closing = closed.future().toCompletionStage().toCompletableFuture()
        .join();
    Thread.sleep(100); // give a wrong close the time to complete early
    assertThat(closing.isComplete()).as("close while the task runs").isFalse();
    release.countDown();
    closing.onComplete(tc.succeeding(v -> loop.runOnContext(onLoop -> tc.verify(() -> {
      assertThat(order).containsExactly("late refused", "closed after the task");
      tc.completeNow();
    }))));
  }
}
