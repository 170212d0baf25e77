package raftkv.frontend;

import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import raftkv.config.NodeConfig;
import raftkv.frontend.KvRequest.DeleteKey;
import raftkv.frontend.KvRequest.GetKey;
import raftkv.frontend.KvRequest.ListKeys;
import raftkv.frontend.KvRequest.PutKey;
import raftkv.kv.KvCommand;

/**
 * Reads and checks the client's key-value requests; every bad input becomes a {@link
 * RejectedRequest} with the fitting status before anything reaches the node.
 *
 * <p>The key is the rest of the request path after {@code /v1/kv/}, percent-decoded, exactly as
 * the client sent it: {@code a%2Fb} and an unescaped {@code a/b} are both the key {@code "a/b"},
 * and {@code a//b} keeps its two slashes. (Routing itself sees the path after the usual URL
 * normalization, which resolves {@code .} and {@code ..} segments; clients normalize those away
 * too, so keys with such segments should escape their slashes.)
 *
 * <p>Query parameters: {@code prevRevision} (PUT, DELETE), {@code consistency} (GET of a key and of
 * a listing), and for listings {@code prefix}, {@code after}, {@code limit} and {@code values}.
 * Any other parameter is an error. A {@code limit} over {@code limits.maxListKeys} is clamped to
 * it, never refused.
 */
final class KvRequestParser {

  /** The path prefix of one key's routes; the key is what follows it. */
  static final String KEY_PATH_PREFIX = "/v1/kv/";

  /** Keys a listing returns when the client does not say {@code limit}. */
  static final int DEFAULT_LIST_LIMIT = 1000;

  private static final String PREV_REVISION = "prevRevision";
  private static final String CONSISTENCY = "consistency";
  private static final String PREFIX = "prefix";
  private static final String AFTER = "after";
  private static final String LIMIT = "limit";
  private static final String VALUES = "values";

  private final NodeConfig.Limits limits;
  private final NodeConfig.RequestIds requestIds;

  KvRequestParser(NodeConfig.Limits limits, NodeConfig.RequestIds requestIds) {
    this.limits = limits;
    this.requestIds = requestIds;
  }

  PutKey put(RoutingContext rc) {
    String key = key(rc);
    QueryParams query = QueryParams.parse(rc.request().query(), Set.of(PREV_REVISION));
    return new PutKey(key, body(rc), prevRevision(query), requestId(rc), keepIdMs(rc));
  }

  GetKey get(RoutingContext rc) {
    String key = key(rc);
    QueryParams query = QueryParams.parse(rc.request().query(), Set.of(CONSISTENCY));
    return new GetKey(key, linearizable(query));
  }

  DeleteKey delete(RoutingContext rc) {
    String key = key(rc);
    QueryParams query = QueryParams.parse(rc.request().query(), Set.of(PREV_REVISION));
    return new DeleteKey(key, prevRevision(query), requestId(rc), keepIdMs(rc));
  }

  ListKeys list(RoutingContext rc) {
    QueryParams query = QueryParams.parse(rc.request().query(),
        Set.of(PREFIX, AFTER, LIMIT, CONSISTENCY, VALUES));
    String prefix = query.get(PREFIX) == null ? "" : query.get(PREFIX);
    String after = query.get(AFTER);
    int limit = query.positiveIntAtMost(LIMIT, Math.min(DEFAULT_LIST_LIMIT, limits.maxListKeys()),
        limits.maxListKeys());
    boolean withValues = query.choice(VALUES, "true", "false", false);
    return new ListKeys(prefix, after, limit, limits.maxListBytes(), linearizable(query),
        withValues);
  }

  /** The percent-decoded key: non-empty UTF-8 text of at most {@code maxKeyBytes} bytes. */
  private String key(RoutingContext rc) {
    String raw = rc.request().path();
    if (raw == null || !raw.startsWith(KEY_PATH_PREFIX)) {
      raw = rc.normalizedPath(); // routed here only after normalization, e.g. from /v1/./kv/k
    }
    String key;
    try {
      key = PercentDecoder.decodePath(raw.substring(KEY_PATH_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw RejectedRequest.badRequest("bad key: " + e.getMessage());
    }
    if (key.isEmpty()) throw RejectedRequest.badRequest("the key is empty");
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.maxKeyBytes()) {
      throw RejectedRequest.tooLarge("the key is " + bytes + " bytes long (UTF-8), over the"
          + " limit of " + limits.maxKeyBytes());
    }
    return key;
  }

  private static long prevRevision(QueryParams query) {
    return query.nonNegativeLong(PREV_REVISION, KvCommand.ANY_REVISION);
  }

  private static boolean linearizable(QueryParams query) {
    return query.choice(CONSISTENCY, "linearizable", "stale", true);
  }

  /** The X-Request-Id header, or null when the client sent none. */
  static String requestId(RoutingContext rc) {
    List<String> ids = rc.request().headers().getAll(ClientHeaders.REQUEST_ID);
    if (ids.isEmpty()) return null;
    if (ids.size() > 1) throw RejectedRequest.badRequest("X-Request-Id is given more than once");
    String id = ids.get(0);
    if (id.isEmpty()) throw RejectedRequest.badRequest("X-Request-Id is empty");
    if (id.length() > ClientHeaders.MAX_REQUEST_ID_LENGTH) {
      throw RejectedRequest.badRequest("X-Request-Id is longer than "
          + ClientHeaders.MAX_REQUEST_ID_LENGTH + " characters");
    }
    return id;
  }

  /**
   * How long the write's request id is remembered: this node's {@code requestIds.retentionMs},
   * or less when the request asks for less ({@link ClientHeaders#REQUEST_ID_RETENTION}, which a
   * gateway sets on ids it made up). Only the leader's answer counts: it stamps the entry.
   */
  private long keepIdMs(RoutingContext rc) {
    String asked = rc.request().getHeader(ClientHeaders.REQUEST_ID_RETENTION);
    if (asked == null) return requestIds.retentionMs();
    long ms;
    try {
      ms = Long.parseLong(asked.trim());
    } catch (NumberFormatException e) {
      ms = -1;
    }
    if (ms < 1) {
      throw RejectedRequest.badRequest(ClientHeaders.REQUEST_ID_RETENTION
          + " must be a number of milliseconds >= 1");
    }
    return Math.min(ms, requestIds.retentionMs());
  }

  /** The value, verbatim; an absent body is the empty value. */
  private static byte[] body(RoutingContext rc) {
    return BodyReader.body(rc).getBytes();
  }
}
