package raftkv.node;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where the node sends the answer to one request: straight to the asking front end's event loop.
 * The node calls it on its own loop, once.
 */
public interface NodeReply {

  /** The reply {@link NodeChannel} promises for the request's type. */
  void reply(Object body);

  void fail(NodeFailure failure);

  /**
   * The answer to a request through {@link NodeChannel#direct}: completes {@code promise} on the
   * asker's context, or fails it with {@link NodeFailure.OutcomeUnknown} after {@code timeoutMs},
   * whichever comes first. Without the event bus a request costs no reply address, no codec
   * lookup and no delivery pipeline: the node's hottest path is a local round trip per client
   * request.
   */
  final class Direct implements NodeReply {
    private final Vertx vertx;
    private final Context asker;
    private final Promise<Object> promise;
    private final AtomicBoolean answered = new AtomicBoolean(); // the timer races the node
    private final long timer;

    /** Call on the asker's event loop. */
    public Direct(Vertx vertx, Promise<Object> promise, long timeoutMs) {
      this.vertx = vertx;
      this.asker = vertx.getOrCreateContext();
      this.promise = promise;
      this.timer = vertx.setTimer(Math.max(1, timeoutMs), id -> {
        if (answered.compareAndSet(false, true)) {
          promise.fail(new NodeFailure.OutcomeUnknown(
              "the node did not answer within " + timeoutMs + " ms"));
        }
      });
    }

    @Override
    public void reply(Object body) {
      if (!answered.compareAndSet(false, true)) return;
      asker.runOnContext(v -> {
        vertx.cancelTimer(timer);
        promise.complete(body);
      });
    }

    @Override
    public void fail(NodeFailure failure) {
      if (!answered.compareAndSet(false, true)) return;
      asker.runOnContext(v -> {
        vertx.cancelTimer(timer);
        promise.fail(failure);
      });
    }
  }
}
