package raftkv.node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;

/**
 * A node's worker thread for one kind of file work (writing a snapshot, receiving one), whose
 * {@link #close} waits for the work already handed to it. Closing a plain worker executor lets
 * a running task go on; a node that stopped, and gave up its data directory, would then still
 * be writing in it.
 *
 * <p>Used from the node's event loop only; each task's future completes there.
 */
final class FileWorker {

  private final WorkerExecutor executor;
  private int running;
  private Promise<Void> closing;

  FileWorker(Vertx vertx, String name) {
    this.executor = vertx.createSharedWorkerExecutor(name, 1);
  }

  /** Runs {@code task} on the worker; refused once {@link #close} was called. */
  <T> Future<T> run(Callable<T> task) {
    if (closing != null) {
      return Future.failedFuture(new IllegalStateException("the node is shutting down"));
    }
    running++;
    return executor.<T>executeBlocking(task, false).andThen(done -> {
      if (--running == 0 && closing != null) closeExecutor();
    });
  }

  /** Refuses new work, waits for the work running, then closes the worker. */
  Future<Void> close() {
    if (closing == null) {
      closing = Promise.promise();
      if (running == 0) closeExecutor();
    }
    return closing.future();
  }

  private void closeExecutor() {
    executor.close().onComplete(closing);
  }
}
