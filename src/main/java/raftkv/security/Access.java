package raftkv.security;

import io.vertx.core.http.HttpMethod;

/**
 * The role each client request needs, by method and path. Health and readiness probes and the
 * dashboard's page itself need none (the page asks for a token before it reads anything);
 * everything else needs at least {@link Role#READ}, so a route this table does not know is never
 * open.
 */
public final class Access {

  private Access() {}

  /** The role {@code method} on {@code path} needs, or null when it needs no token. */
  public static Role required(HttpMethod method, String path) {
    // the router takes a fixed path with one trailing slash too: /v1/leader/ is /v1/leader
    if (path.length() > 1 && path.endsWith("/") && !path.equals("/ui/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (isPublic(path)) return null;
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD
        || method == HttpMethod.OPTIONS;
    if (path.startsWith("/v1/members") || path.equals("/v1/leader")) {
      return read ? Role.READ : Role.ADMIN;
    }
    return read ? Role.READ : Role.READ_WRITE;
  }

  private static boolean isPublic(String path) {
    return path.equals("/health") || path.equals("/ready") || path.equals("/ui")
        || (path.startsWith("/ui/") && !path.equals("/ui/events"));
  }
}
