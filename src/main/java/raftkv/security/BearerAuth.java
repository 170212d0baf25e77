package raftkv.security;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;

/**
 * The first handler of a front end with {@code auth.enabled}: a request that needs a role
 * ({@link Access}) and carries no known token is answered {@code 401}; one whose token's role
 * does not allow it, {@code 403}. Nothing else of the request is read first.
 *
 * <p>A token is looked up by its SHA-256, so the configuration and this table hold no token. The
 * cluster token (the Raft port's shared secret, which every node and gateway of the cluster
 * holds) is taken too, as an admin: front ends use it for what they ask each other on their
 * own behalf, such as the dashboard's and the gateway's status polls and a joining node's
 * request to be added. A request a front end forwards carries its client's own header, so the
 * node that serves it checks the client, not the forwarder.
 *
 * <p>The dashboard's event stream cannot send a header: its page keeps the token in a cookie,
 * {@value #COOKIE}, which is taken for that stream only ({@value #COOKIE_PATH}): a cookie goes
 * with any request the browser sends, including those another site's page makes it send.
 */
public final class BearerAuth implements Handler<RoutingContext> {

  public static final String COOKIE = "raftkv_token";

  /** The only request a cookie is taken for: the dashboard's event stream. */
  public static final String COOKIE_PATH = "/ui/events";

  /** The name the cluster token is known by, in answers and logs. */
  public static final String CLUSTER_PRINCIPAL = "cluster";

  /** Who made a request: the name of its token and its role. */
  public record Principal(String name, Role role) {}

  private final Map<String, Principal> byHash = new HashMap<>();

  public BearerAuth(AuthSettings settings, String clusterToken) {
    for (AuthSettings.Token t : settings.tokens()) {
      byHash.put(t.sha256(), new Principal(t.name(), t.role()));
    }
    byHash.put(Tokens.hash(clusterToken), new Principal(CLUSTER_PRINCIPAL, Role.ADMIN));
  }

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    Role needed = Access.required(request.method(), rc.normalizedPath());
    if (needed == null) {
      rc.next();
      return;
    }
    String token = bearer(request.getHeader(HttpHeaders.AUTHORIZATION));
    if (token == null && isRead(request) && COOKIE_PATH.equals(rc.normalizedPath())) {
      token = cookie(request);
    }
    Principal who = token == null ? null : byHash.get(Tokens.hash(token));
    if (who == null) {
      rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"raftkv\"");
      refuse(rc, 401, token == null
          ? "this request needs a token: send 'Authorization: Bearer <token>'"
          : "the token is not valid here: check it, or ask an administrator for one");
    } else if (!who.role().allows(needed)) {
      refuse(rc, 403, "the token '" + who.name() + "' has the role " + who.role().configName()
          + ", and " + request.method() + " " + rc.normalizedPath() + " needs "
          + needed.configName());
    } else {
      rc.next();
    }
  }

  private static boolean isRead(HttpServerRequest request) {
    return request.method() == io.vertx.core.http.HttpMethod.GET
        || request.method() == io.vertx.core.http.HttpMethod.HEAD;
  }

  /** The token of an {@code Authorization: Bearer} header, or null. */
  static String bearer(String header) {
    if (header == null || header.length() < 7
        || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  private static String cookie(HttpServerRequest request) {
    io.vertx.core.http.Cookie c = request.getCookie(COOKIE);
    if (c == null || c.getValue().isEmpty()) return null;
    try {
      return java.net.URLDecoder.decode(c.getValue(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException badEscape) {
      return null; // no token: 401
    }
  }

  private static void refuse(RoutingContext rc, int status, String message) {
    // the request's body is not read: close rather than read what is left of a large PUT
    if (rc.request().headers().contains(HttpHeaders.CONTENT_LENGTH)
        || rc.request().headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      rc.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    rc.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
