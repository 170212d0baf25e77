package raftkv.frontend;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.util.QuietLog;

/**
 * The router's own error answers, in the API's JSON form instead of Vert.x's HTML or empty
 * bodies: 400 (a path that cannot be percent-decoded, refused before any route runs), 404 (no such
 * route), 405 (a route that exists for other methods, with an {@code Allow} header), 413 and 500.
 * Registering them also keeps Vert.x from logging each of these as an unhandled failure.
 */
final class RouterErrors {

  private static final Logger log = LoggerFactory.getLogger(RouterErrors.class);

  private RouterErrors() {}

  static void install(Router router) {
    QuietLog quietLog = new QuietLog(log, 10_000);
    router.errorHandler(400, rc -> answer(rc, HttpAnswer.error(400, badRequest(rc))));
    router.errorHandler(404, rc -> answer(rc, HttpAnswer.error(404,
        "no such route: " + rc.request().method() + " " + rc.request().path())));
    router.errorHandler(405, RouterErrors::methodNotAllowed);
    router.errorHandler(413, rc -> answer(rc, HttpAnswer.error(413, "the request is too large")));
    router.errorHandler(500, rc -> {
      quietLog.error("internal", "Internal error serving " + rc.request().method() + " "
          + rc.request().path(), rc.failure());
      answer(rc, HttpAnswer.error(500, "internal error"
          + (rc.failure() == null ? "" : ": " + rc.failure().getMessage())));
    });
  }

  /** The router refuses a path with a bad escape such as {@code %zz} and gives no reason. */
  private static String badRequest(RoutingContext rc) {
    if (rc.failure() != null && rc.failure().getMessage() != null) {
      return "malformed request: " + rc.failure().getMessage();
    }
    try {
      PercentDecoder.decodePath(rc.request().path());
    } catch (IllegalArgumentException e) {
      return "malformed request path: " + e.getMessage();
    }
    return "malformed request";
  }

  private static void methodNotAllowed(RoutingContext rc) {
    String allowed = allowedMethods(rc.normalizedPath());
    answer(rc, HttpAnswer.error(405, rc.request().method() + " is not allowed on "
        + rc.request().path() + "; allowed: " + allowed).withHeader("allow", allowed));
  }

  /** The methods of the routes of FrontEndVerticle that serve {@code path}. */
  static String allowedMethods(String path) {
    if (path.startsWith(KvRequestParser.KEY_PATH_PREFIX)) return "GET, HEAD, PUT, DELETE";
    if (path.equals("/v1/members")) return "GET, HEAD, POST";
    if (path.equals("/v1/leader") || path.matches("/v1/members/[^/]+/promote")) return "POST";
    if (path.matches("/v1/members/[^/]+")) return "DELETE";
    if (path.equals("/v1/leases") || path.matches("/v1/leases/[^/]+/keepalive")) return "POST";
    if (path.matches("/v1/leases/[^/]+")) return "GET, HEAD, DELETE";
    if (path.equals("/v1/watch") || path.equals("/ui/events")) return "GET";
    return "GET, HEAD";
  }

  private static void answer(RoutingContext rc, HttpAnswer answer) {
    answer.writeTo(rc.response());
  }
}
