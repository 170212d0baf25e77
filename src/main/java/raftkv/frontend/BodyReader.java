package raftkv.frontend;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BooleanSupplier;

/**
 * Reads a request's whole body, as raw bytes, up to a limit; a body over the limit is answered
 * 413 at once (from its Content-Length when it declares one) and the connection is closed rather
 * than read to the end. A body that has not arrived whole within {@code timeoutMs} of its headers
 * is answered 408 and the connection closed: a client that stops sending holds nothing for long.
 * A client that sends {@code Expect: 100-continue} is told to go on once its declared length is
 * known to fit (and gets the 413 instead when it does not).
 *
 * <p>Vert.x Web's {@code BodyHandler} is not used because it decodes bodies sent as {@code
 * application/x-www-form-urlencoded} (what {@code curl -d} sends) as forms: it fails on values
 * that are not well-formed forms and on values over the form size limits. Values are arbitrary
 * bytes whatever the content type says.
 */
final class BodyReader implements Handler<RoutingContext> {

  private static final String BODY = "raftkv.body";

  private final long limit;
  private final long timeoutMs;
  private final ConnectionGuard guard;

  private final BooleanSupplier shedding;

  /**
   * @param guard times the reading ({@link ConnectionGuard#readingBody})
   * @param shedding whether the front end refuses new requests for now: then a client waiting
   *     for {@code 100 Continue} gets the 429 instead, before it sends its body
   */
  BodyReader(long limit, long timeoutMs, ConnectionGuard guard, BooleanSupplier shedding) {
    this.limit = limit;
    this.timeoutMs = timeoutMs;
    this.guard = guard;
    this.shedding = shedding;
  }

  /** The body read for {@code rc}; empty when the request had none. */
  static Buffer body(RoutingContext rc) {
    Buffer body = rc.get(BODY);
    return body == null ? Buffer.buffer() : body;
  }

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    if (request.isEnded()) {
      rc.next();
      return;
    }
    long declared = declaredLength(request);
    if (declared > limit) {
      tooLarge(rc);
      return;
    }
    boolean expectsContinue = expectsContinue(request);
    if (expectsContinue && shedding.getAsBoolean()) {
      answerAndClose(rc, KvAnswers.overloaded("too many requests in flight"));
      return;
    }
    Buffer body = Buffer.buffer(declared > 0 ? (int) declared : 64);
    boolean[] refused = {false};
    guard.readingBody(rc, () -> {
      if (refused[0]) return;
      refused[0] = true;
      answerAndClose(rc, HttpAnswer.error(408, "the request body did not arrive whole within "
          + timeoutMs + " ms (limits.readTimeoutMs); nothing was done"));
    });
    request.handler(chunk -> {
      if (refused[0]) return;
      if (body.length() + chunk.length() > limit) {
        refused[0] = true;
        guard.bodyDone(rc);
        tooLarge(rc);
      } else {
        body.appendBuffer(chunk);
      }
    });
    request.endHandler(end -> {
      guard.bodyDone(rc);
      if (refused[0]) return;
      rc.put(BODY, body);
      rc.next();
    });
    request.exceptionHandler(e -> { // the client went away: nobody to answer
      refused[0] = true;
      guard.bodyDone(rc);
    });
    if (expectsContinue) rc.response().writeContinue();
    request.resume();
  }

  private static boolean expectsContinue(HttpServerRequest request) {
    String expect = request.getHeader("expect");
    return expect != null && expect.equalsIgnoreCase("100-continue");
  }

  /** Answers, then closes the connection: the rest of the body is not worth reading. */
  static void answerAndClose(RoutingContext rc, HttpAnswer answer) {
    rc.response().putHeader("connection", "close");
    answer.writeTo(rc.response()).onComplete(written -> rc.request().connection().close());
  }

  /** The Content-Length header; -1 when absent (a chunked body) or not a number. */
  private static long declaredLength(HttpServerRequest request) {
    String header = request.getHeader("content-length");
    if (header == null) return -1;
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void tooLarge(RoutingContext rc) {
    answerAndClose(rc, HttpAnswer.error(413, "the request body is over the limit of " + limit
        + " bytes"));
  }
}
