package raftkv.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import java.util.concurrent.atomic.LongAdder;

/**
 * One event loop's share of the watchers: each holds its own connection with one {@code GET
 * /v1/watch?key=wb/K} stream open, parses the stream's events as they come, and records each
 * change's delivery latency. Everything of a watcher happens on this loop.
 *
 * <p>Watchers are opened a few at a time ({@code maxOpening}): a next one starts when one has
 * received its first {@code progress} event (the server has registered it) or failed, so 10,000
 * connection attempts do not hit the server's accept queue at once. A watcher that loses its
 * stream is counted and not reopened: the benchmark measures what the server delivers, and a
 * lost stream shows as events missing.
 */
final class WatcherVerticle extends VerticleBase {

  /** Where to watch, the key number of each of this loop's watchers, and where to record. */
  record Setup(Endpoint endpoint, int[] keyOfWatcher, int maxOpening, WatchStats stats) {}

  private final Setup setup;
  private final WatchStats stats;
  private HttpClient client;
  private int next;
  private int opening;

  WatcherVerticle(Setup setup) {
    this.setup = setup;
    this.stats = setup.stats();
  }

  @Override
  public Future<?> start() {
    // one connection per watcher: a streaming response holds its connection for good
    client = BenchHttp.client(vertx, setup.keyOfWatcher().length + 1);
    return Future.succeededFuture();
  }

  /** Starts opening this loop's watchers; progress shows in the stats. Any thread. */
  void openAll() {
    context.runOnContext(v -> openMore());
  }

  private void openMore() {
    while (opening < setup.maxOpening() && next < setup.keyOfWatcher().length) {
      opening++;
      new Watcher(setup.keyOfWatcher()[next++]).open();
    }
  }

  /** A watcher is ready or has failed: the next may open. */
  private void settled() {
    opening--;
    openMore();
  }

  static String watchPath(int key) {
    return "/v1/watch?key=" + RaftkvTarget.encodePathSegment(WatchBench.keyName(key));
  }

  private final class Watcher implements SseParser.Listener {
    private final int key;
    private final SseParser parser = new SseParser(this);
    private boolean ready;
    private boolean over;

    Watcher(int key) {
      this.key = key;
    }

    void open() {
      client.request(BenchHttp.request(setup.endpoint(), HttpMethod.GET, watchPath(key))
              .putHeader("accept", "text/event-stream"))
          .compose(HttpClientRequest::send)
          .onSuccess(this::stream)
          .onFailure(e -> {
            Outcome failure = Outcome.failure(e);
            failedToOpen(failure.errorKind(), failure.example());
          });
    }

    private void stream(HttpClientResponse response) {
      if (response.statusCode() != 200) {
        int status = response.statusCode();
        response.body().onComplete(ar -> {
          Outcome refused = Outcome.httpStatus(status,
              ar.succeeded() ? ar.result().toString() : null);
          failedToOpen(refused.errorKind(), refused.example());
        });
        return;
      }
      // set at once, on this loop, in the callback that got the response: no chunk is missed
      response.handler(chunk -> parser.feed(chunk.getBytes()));
      response.endHandler(v -> lose(stats.streamsEnded));
      response.exceptionHandler(e -> lose(stats.streamsEnded));
    }

    @Override
    public void onEvent(SseParser.Kind kind, byte[] data, int from, int to) {
      switch (kind) {
        case MESSAGE -> stats.recordChange(SendTimeCodec.fromChangeJson(data, from, to),
            System.nanoTime());
        case PROGRESS -> becomeReady();
        case RESUME -> lose(stats.resumeEvents);
        case COMPACTED -> lose(stats.compactedEvents);
        case OTHER -> { }
      }
    }

    private void becomeReady() {
      if (ready || over) return;
      ready = true;
      stats.watcherReady(key);
      settled();
    }

    /** The stream is gone (the server ended it, or the connection closed). */
    private void lose(LongAdder counter) {
      if (over) return;
      if (!ready) {
        failedToOpen("stream ended before its first progress event", null);
        return;
      }
      over = true;
      counter.increment();
    }

    private void failedToOpen(String kind, String example) {
      if (over) return;
      over = true;
      stats.openFailures.add(kind, example);
      settled();
    }
  }
}
