package raftkv.frontend;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a request's whole body, as raw bytes, up to a limit; a body over the limit is answered
 * 413 at once (from its Content-Length when it declares one) and the connection is closed rather
 * than read to the end.
 *
 * <p>Vert.x Web's {@code BodyHandler} is not used because it decodes bodies sent as {@code
 * application/x-www-form-urlencoded} (what {@code curl -d} sends) as forms: it fails on values
 * that are not well-formed forms and on values over the form size limits. Values are arbitrary
 * bytes whatever the content type says.
 */
final class BodyReader implements Handler<RoutingContext> {

  private static final String BODY = "raftkv.body";

  private final long limit;

  BodyReader(long limit) {
    this.limit = limit;
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
    Buffer body = Buffer.buffer(declared > 0 ? (int) declared : 64);
    boolean[] refused = {false};
    request.handler(chunk -> {
      if (refused[0]) return;
      if (body.length() + chunk.length() > limit) {
        refused[0] = true;
        tooLarge(rc);
      } else {
        body.appendBuffer(chunk);
      }
    });
    request.endHandler(end -> {
      if (refused[0]) return;
      rc.put(BODY, body);
      rc.next();
    });
    request.exceptionHandler(e -> refused[0] = true); // the client went away: nobody to answer
    request.resume();
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
    rc.response().putHeader("connection", "close"); // do not read the rest of the body
    HttpAnswer.error(413, "the request body is over the limit of " + limit + " bytes")
        .writeTo(rc.response());
  }
}
