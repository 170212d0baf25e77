package raftkv.frontend;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow, idle and too many clients from tying up a front end:
 *
 * <ul>
 *   <li>at most {@code maxConnections} client connections are open at once; one more is answered
 *       503 and closed at once;
 *   <li>a new connection must deliver a whole request (its headers) within {@code readTimeoutMs},
 *       else it is answered 408 and closed: a client that connects and stops sending holds
 *       nothing for long;
 *   <li>a kept-alive connection that sends no new request for {@code idleTimeoutMs} after its
 *       last answer is closed (quietly: closing idle connections is ordinary HTTP).
 * </ul>
 *
 * <p>It also times the reading of bodies for {@link BodyReader} ({@link #readingBody}). The 503
 * and 408 of a connection are written before any request object exists, so they go straight onto
 * the connection's channel, in front of the HTTP encoder. Confined to the front end's event loop.
 */
final class ConnectionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  private final Vertx vertx;
  private final int maxConnections;
  private final long readTimeoutMs;
  private final long readTimeoutNanos;
  private final long idleTimeoutNanos;
  private final Map<HttpConnection, Tracked> open = new IdentityHashMap<>();
  /**
   * One timer for all connections, not one per request: a timer set and cancelled for every
   * request costs the hot path more than a sweep of a few thousand connections a few times a
   * second. A timeout is noticed up to one sweep period late.
   */
  private final long sweeper;

  /** One open connection: the requests under way on it and since when it has been idle. */
  private static final class Tracked {
    final HttpConnection connection;
    int active;
    boolean servedOne;
    long idleSince = System.nanoTime();
    /** The body being read on it and since when, with what to do if it takes too long. */
    long bodySince;
    Runnable onSlowBody;

    Tracked(HttpConnection connection) {
      this.connection = connection;
    }
  }

  ConnectionGuard(Vertx vertx, int maxConnections, long readTimeoutMs, long idleTimeoutMs) {
    this.vertx = vertx;
    this.maxConnections = maxConnections;
    this.readTimeoutMs = readTimeoutMs;
    this.readTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(readTimeoutMs);
    this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs);
    long period = Math.max(10, Math.min(1_000, Math.min(readTimeoutMs, idleTimeoutMs) / 4));
    this.sweeper = vertx.setPeriodic(period, id -> sweep());
  }

  /** The server's connection handler. */
  void opened(HttpConnection connection) {
    if (open.size() >= maxConnections) {
      answerAndClose(connection, 503, "Service Unavailable", "this front end holds "
          + maxConnections + " client connections, its limit (limits.maxConnections); close"
          + " idle ones or retry later");
      return;
    }
    Tracked tracked = new Tracked(connection);
    open.put(connection, tracked);
    // a client that resets its connection is ordinary; unhandled, Vert.x would log an ERROR
    connection.exceptionHandler(e -> LOG.debug("a client connection failed: {}", e.toString()));
    connection.closeHandler(v -> open.remove(connection));
  }

  /**
   * The server's request handler: {@code router}, told first that the connection has sent a
   * whole request (even one the router refuses before any route runs), so it is no longer new.
   */
  Handler<HttpServerRequest> watching(Handler<HttpServerRequest> router) {
    return request -> {
      Tracked tracked = open.get(request.connection());
      if (tracked != null) tracked.servedOne = true;
      router.handle(request);
    };
  }

  /** The first route of every request: its connection is busy until its answer is written. */
  void requestStarted(RoutingContext rc) {
    Tracked tracked = open.get(rc.request().connection());
    if (tracked != null) {
      tracked.active++;
      tracked.servedOne = true;
      rc.addEndHandler(ended -> {
        tracked.active--;
        tracked.idleSince = System.nanoTime();
        tracked.onSlowBody = null;
      });
    }
    rc.next();
  }

  /** {@code rc}'s body is being read: {@code onTimeout} runs if it is not whole in time. */
  void readingBody(RoutingContext rc, Runnable onTimeout) {
    Tracked tracked = open.get(rc.request().connection());
    if (tracked == null) return;
    tracked.bodySince = System.nanoTime();
    tracked.onSlowBody = onTimeout;
  }

  /** {@code rc}'s body was read whole, or refused. */
  void bodyDone(RoutingContext rc) {
    Tracked tracked = open.get(rc.request().connection());
    if (tracked != null) tracked.onSlowBody = null;
  }

  private void sweep() {
    if (open.isEmpty()) return;
    long now = System.nanoTime();
    for (Tracked t : new ArrayList<>(open.values())) {
      if (t.onSlowBody != null && now - t.bodySince > readTimeoutNanos) {
        Runnable slow = t.onSlowBody;
        t.onSlowBody = null;
        slow.run();
      } else if (t.active == 0 && now - t.idleSince > (t.servedOne ? idleTimeoutNanos
          : readTimeoutNanos)) {
        open.remove(t.connection);
        if (t.servedOne) {
          t.connection.close();
        } else {
          answerAndClose(t.connection, 408, "Request Timeout", "no complete request arrived"
              + " within " + readTimeoutMs + " ms of connecting (limits.readTimeoutMs)");
        }
      }
    }
  }

  int openConnections() {
    return open.size();
  }

  int maxConnections() {
    return maxConnections;
  }

  void close() {
    vertx.cancelTimer(sweeper);
  }

  /**
   * Writes a whole HTTP response with a JSON error body straight onto the connection, then closes
   * it: for the moments when no request exists to answer through. Falls back to closing.
   */
  static void answerAndClose(HttpConnection connection, int status, String reason,
      String message) {
    byte[] body = new JsonObject().put("error", message).toBuffer().getBytes();
    byte[] head = ("HTTP/1.1 " + status + " " + reason + "\r\ncontent-type: application/json\r\n"
        + "content-length: " + body.length + "\r\nconnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    ChannelHandlerContext beforeEncoder = connection instanceof ConnectionBase base
        ? base.channel().pipeline().context("httpDecoder") : null;
    if (beforeEncoder == null) {
      connection.close();
      return;
    }
    beforeEncoder.writeAndFlush(Unpooled.wrappedBuffer(head, body))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
