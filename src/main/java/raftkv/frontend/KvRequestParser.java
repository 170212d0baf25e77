package raftkv.frontend;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.json.jackson.DatabindCodec;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
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
  private static final String LEASE = "lease";

  /** Keys a lease look-up lists at most. */
  static final int LEASE_KEYS_SHOWN = 1000;

  private final NodeConfig.Limits limits;
  private final NodeConfig.RequestIds requestIds;
  private final NodeConfig.Leases leases;

  KvRequestParser(NodeConfig.Limits limits, NodeConfig.RequestIds requestIds,
      NodeConfig.Leases leases) {
    this.limits = limits;
    this.requestIds = requestIds;
    this.leases = leases;
  }

  PutKey put(RoutingContext rc) {
    String key = key(rc);
    QueryParams query = QueryParams.parse(rc.request().query(), Set.of(PREV_REVISION, LEASE));
    return new PutKey(key, body(rc), prevRevision(query), requestId(rc), keepIdMs(rc),
        query.nonNegativeLong(LEASE, KvCommand.NO_LEASE));
  }

  /**
   * {@code POST /v1/leases}, body {@code {"ttlMs": T}}: a time to live under {@code
   * leases.minTtlMs} is raised to it (as etcd does), one over {@code leases.maxTtlMs} refused.
   */
  KvRequest.GrantLease grantLease(RoutingContext rc) {
    QueryParams.parse(rc.request().query(), Set.of());
    long ttlMs = ttlOf(BodyReader.body(rc).getBytes());
    if (ttlMs > leases.maxTtlMs()) {
      throw RejectedRequest.badRequest("ttlMs " + ttlMs + " is over the longest lease, "
          + leases.maxTtlMs() + " ms (leases.maxTtlMs)");
    }
    return new KvRequest.GrantLease(Math.max(ttlMs, leases.minTtlMs()), requestId(rc),
        keepIdMs(rc));
  }

  /** The {@code ttlMs} of a grant's body: a JSON object with that one integer field. */
  private static long ttlOf(byte[] body) {
    long ttl = -1;
    try (JsonParser p = DatabindCodec.mapper().getFactory().createParser(body)) {
      p.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
      if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not a JSON object");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (!"ttlMs".equals(field)) throw new IOException("unknown field '" + field + "'");
        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            || p.getLongValue() < 1) {
          throw new IOException("ttlMs must be an integer number of milliseconds >= 1");
        }
        ttl = p.getLongValue();
      }
      if (p.nextToken() != null) throw new IOException("text after the JSON object");
    } catch (IOException e) {
      throw RejectedRequest.badRequest("the body must be {\"ttlMs\": <milliseconds>}: "
          + e.getMessage());
    }
    if (ttl < 0) throw RejectedRequest.badRequest("the body must be {\"ttlMs\": <milliseconds>}");
    return ttl;
  }

  KvRequest.KeepAlive keepAlive(RoutingContext rc) {
    QueryParams.parse(rc.request().query(), Set.of());
    return new KvRequest.KeepAlive(leaseId(rc));
  }

  KvRequest.LookUpLease lookUpLease(RoutingContext rc) {
    QueryParams.parse(rc.request().query(), Set.of());
    return new KvRequest.LookUpLease(leaseId(rc), LEASE_KEYS_SHOWN);
  }

  KvRequest.RevokeLease revokeLease(RoutingContext rc) {
    QueryParams.parse(rc.request().query(), Set.of());
    return new KvRequest.RevokeLease(leaseId(rc), requestId(rc), keepIdMs(rc));
  }

  WatchRequest watch(RoutingContext rc) {
    QueryParams query = QueryParams.parse(rc.request().query(),
        Set.of("key", PREFIX, "fromRevision"));
    String key = query.get("key");
    String prefix = query.get(PREFIX);
    if ((key == null) == (prefix == null)) {
      throw RejectedRequest.badRequest("give exactly one of key=K (one key) and prefix=P (every"
          + " key that starts with P; prefix= for all)");
    }
    String named = key != null ? key : prefix;
    if (key != null && key.isEmpty()) throw RejectedRequest.badRequest("the key is empty");
    int bytes = named.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.maxKeyBytes()) {
      throw RejectedRequest.tooLarge("the " + (key != null ? "key" : "prefix") + " is " + bytes
          + " bytes long (UTF-8), over the limit of " + limits.maxKeyBytes());
    }
    long from = query.nonNegativeLong("fromRevision", -1);
    if (from == 0) throw RejectedRequest.badRequest("fromRevision must be >= 1 (revisions start"
        + " at 1)");
    if (from < 0) from = lastEventId(rc);
    return new WatchRequest(key, key != null ? null : prefix, from);
  }

  /** The revision after a reconnecting EventSource's {@code Last-Event-ID}; 0 without one. */
  private static long lastEventId(RoutingContext rc) {
    String text = rc.request().getHeader("last-event-id");
    if (text == null || text.isBlank()) return 0;
    boolean digits = text.length() <= 18 && text.chars().allMatch(c -> c >= '0' && c <= '9');
    if (!digits) {
      throw RejectedRequest.badRequest("Last-Event-ID must be a revision, not '" + text + "'");
    }
    return Long.parseLong(text) + 1;
  }

  /** The lease id of {@code /v1/leases/{id}...}: a positive integer. */
  private static long leaseId(RoutingContext rc) {
    String text = rc.pathParam("id");
    boolean digits = text != null && !text.isEmpty() && text.length() <= 18
        && text.chars().allMatch(c -> c >= '0' && c <= '9');
    long id = digits ? Long.parseLong(text) : 0;
    if (id < 1) {
      throw RejectedRequest.badRequest("a lease id is a positive integer, not '" + text + "'");
    }
    return id;
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
