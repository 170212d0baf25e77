package raftkv.frontend;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Holds at most {@code max} client requests at once; one more is answered 429 at once, before its
 * body is read or anything is asked of the node. A request stops counting when its response ends
 * or its connection closes.
 *
 * <p>Confined to the front end's event loop, like the router it sits in.
 */
final class InflightLimiter implements Handler<RoutingContext> {

  private final int max;
  private int held;

  InflightLimiter(int max) {
    this.max = max;
  }

  @Override
  public void handle(RoutingContext rc) {
    if (isKeepAlive(rc.request().path())) {
      rc.next(); // refused for load, a keep-alive would cost its holder the lease
      return;
    }
    if (held >= max) {
      KvAnswers.overloaded("too many requests in flight (the limit is " + max + ")")
          .writeTo(rc.response());
      return;
    }
    held++;
    boolean[] released = {false};
    rc.addEndHandler(ended -> {
      if (!released[0]) {
        released[0] = true;
        held--;
      }
    });
    rc.next();
  }

  /** {@code POST /v1/leases/{id}/keepalive}, told apart without a pattern: every request asks. */
  static boolean isKeepAlive(String path) {
    return path != null && path.endsWith("/keepalive") && path.startsWith("/v1/leases/");
  }

  /** Whether one more request would be refused. */
  boolean full() {
    return held >= max;
  }

  /** Requests held right now. */
  int held() {
    return held;
  }
}
