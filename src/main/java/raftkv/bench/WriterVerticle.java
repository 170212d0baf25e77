package raftkv.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One event loop's share of the watch benchmark's writers, a closed loop: each writer PUTs
 * {@code wb/<random key>} with its send time as the value, and sends its next write when the
 * last is answered. Each successful write adds the number of watchers of its key to the events
 * expected.
 */
final class WriterVerticle extends VerticleBase {

  private static final String OCTETS = "application/octet-stream";
  /** How long a writer waits after a failed write before its next. */
  private static final long ERROR_PAUSE_MS = 10;

  /**
   * Where to write, how many writers this loop runs, how many watchers each key has (open when
   * writes began), where to record, and the request timeout.
   */
  record Setup(Endpoint endpoint, int writers, int[] watchersOfKey, WatchStats stats,
      long timeoutMs) {}

  private final Setup setup;
  private final String[] keyPaths;
  private final Promise<Void> finished = Promise.promise();
  private HttpClient client;
  private long endNanos;
  private int running;

  WriterVerticle(Setup setup) {
    this.setup = setup;
    this.keyPaths = new String[setup.watchersOfKey().length];
    for (int k = 0; k < keyPaths.length; k++) {
      keyPaths[k] = "/v1/kv/" + RaftkvTarget.encodePathSegment(WatchBench.keyName(k));
    }
  }

  @Override
  public Future<?> start() {
    client = BenchHttp.client(vertx, setup.writers());
    return Future.succeededFuture();
  }

  /**
   * Starts this loop's writers; they start no write at or after {@code endNanos}. The future
   * completes once every one has had its last answer. Any thread.
   */
  Future<Void> run(long endNanos) {
    context.runOnContext(v -> {
      this.endNanos = endNanos;
      running = setup.writers();
      if (running == 0) finished.complete();
      for (int w = 0; w < setup.writers(); w++) writeNext();
    });
    return finished.future();
  }

  private void writeNext() {
    long sent = System.nanoTime();
    if (sent - endNanos >= 0) {
      if (--running == 0) finished.complete();
      return;
    }
    int key = ThreadLocalRandom.current().nextInt(keyPaths.length);
    Buffer value = Buffer.buffer(SendTimeCodec.encode(sent));
    BenchHttp.call(client, BenchHttp.request(setup.endpoint(), HttpMethod.PUT, keyPaths[key])
            .putHeader("content-type", OCTETS), value, setup.timeoutMs())
        .onComplete(ar -> {
          boolean ok = record(ar.succeeded() ? ar.result() : null, ar.cause(), key, sent);
          if (ok) {
            // the answer's callback may run while request() is still on the stack: going
            // through the loop keeps the stack from growing
            context.runOnContext(v -> writeNext());
          } else {
            // a refused connection fails at once: without a pause a dead server would turn
            // every writer into a busy loop that takes the CPU the other nodes need
            vertx.setTimer(ERROR_PAUSE_MS, id -> writeNext());
          }
        });
  }

  /** Records a write's outcome; true when it succeeded. */
  private boolean record(BenchHttp.Answer answer, Throwable failure, int key, long sent) {
    WatchStats stats = setup.stats();
    if (answer != null && answer.ok()) {
      stats.recordWrite(sent, System.nanoTime(), setup.watchersOfKey()[key]);
      return true;
    }
    Outcome outcome = answer != null
        ? Outcome.httpStatus(answer.status(), answer.body().toString())
        : Outcome.failure(failure);
    stats.writeErrors.add(outcome.errorKind(), outcome.example()); // warm-up too: none should fail
    return false;
  }
}
