package raftkv.frontend;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;
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
 * <p>The 503 and 408 are written before any request object exists, so they go straight onto the
 * connection's channel, in front of the HTTP encoder. Confined to the front end's event loop.
 */
final class ConnectionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  private final Vertx vertx;
  private final int maxConnections;
  private final long readTimeoutMs;
  private final long idleTimeoutMs;
  private final Map<HttpConnection, Tracked> open = new IdentityHashMap<>();

  /** One open connection: the requests under way on it, and the timer that watches it. */
  private final class Tracked {
    final HttpConnection connection;
    int active;
    boolean servedOne;
    long timer = -1;

    Tracked(HttpConnection connection) {
      this.connection = connection;
    }

    void watch(long ms) {
      cancel();
      timer = vertx.setTimer(ms, id -> expired());
    }

    void cancel() {
      if (timer != -1) vertx.cancelTimer(timer);
      timer = -1;
    }

    void expired() {
      timer = -1;
      if (active > 0) return;
      if (servedOne) {
        connection.close();
      } else {
        answerAndClose(connection, 408, "Request Timeout", "no complete request arrived within "
            + readTimeoutMs + " ms of connecting (limits.readTimeoutMs)");
      }
    }
  }

  ConnectionGuard(Vertx vertx, int maxConnections, long readTimeoutMs, long idleTimeoutMs) {
    this.vertx = vertx;
    this.maxConnections = maxConnections;
    this.readTimeoutMs = readTimeoutMs;
    this.idleTimeoutMs = idleTimeoutMs;
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
    connection.closeHandler(v -> {
      Tracked gone = open.remove(connection);
      if (gone != null) gone.cancel();
    });
    tracked.watch(readTimeoutMs);
  }

  /** The first route of every request: its connection is busy until its answer is written. */
  void requestStarted(RoutingContext rc) {
    Tracked tracked = open.get(rc.request().connection());
    if (tracked != null) {
      tracked.active++;
      tracked.servedOne = true;
      tracked.cancel();
      rc.addEndHandler(ended -> {
        if (--tracked.active == 0 && open.containsKey(tracked.connection)) {
          tracked.watch(idleTimeoutMs);
        }
      });
    }
    rc.next();
  }

  int openConnections() {
    return open.size();
  }

  int maxConnections() {
    return maxConnections;
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
