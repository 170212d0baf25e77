package raftkv.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * A front end's client requests: {@code raftkv_http_requests_total{route,method,code}} and the
 * latency histogram {@code raftkv_http_request_duration_seconds{route,method}}, from the request
 * arriving to its response ending (forwarding to the leader included).
 *
 * <p>The route is the API's route, not the path: every key is {@code /v1/kv/{key}}, so the number
 * of series stays small whatever clients send. Meters are looked up in arrays of this front end's
 * own, indexed by route, method and status: a request allocates nothing here. Not thread-safe:
 * it belongs to one front end's event loop.
 */
public final class HttpMetrics {

  /** The routes of docs/API.md, as metrics label them. */
  public enum Route {
    KEY("/v1/kv/{key}"), LIST("/v1/kv"), CLUSTER("/v1/cluster"), MEMBERS("/v1/members"),
    LEADER("/v1/leader"), WATCH("/v1/watch", true), LEASES("/v1/leases"), HEALTH("/health"),
    READY("/ready"), METRICS("/metrics"), UI_EVENTS("/ui/events", true), UI("/ui"),
    OTHER("other");

    final String label;
    /** A stream (Server-Sent Events): counted, not timed, as it lasts as long as its reader. */
    final boolean streams;

    Route(String label) {
      this(label, false);
    }

    Route(String label, boolean streams) {
      this.label = label;
      this.streams = streams;
    }

    /** The route a request path belongs to. */
    public static Route of(String path) {
      if (path == null) return OTHER;
      if (path.startsWith("/v1/")) {
        if (path.startsWith("/v1/kv/")) return KEY;
        if (path.equals("/v1/kv")) return LIST;
        if (path.equals("/v1/cluster")) return CLUSTER;
        if (path.startsWith("/v1/members")) return MEMBERS;
        if (path.equals("/v1/leader")) return LEADER;
        if (path.startsWith("/v1/watch")) return WATCH;
        if (path.startsWith("/v1/leases")) return LEASES;
        return OTHER;
      }
      if (path.equals("/health")) return HEALTH;
      if (path.equals("/ready")) return READY;
      if (path.equals("/metrics")) return METRICS;
      if (path.equals("/ui/events")) return UI_EVENTS;
      if (path.equals("/ui") || path.startsWith("/ui/")) return UI;
      return OTHER;
    }
  }

  /** Buckets from a fast local read to a request that ran into its deadline. */
  private static final Duration[] BUCKETS = {Duration.ofNanos(500_000), Duration.ofMillis(1),
      Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
      Duration.ofSeconds(5), Duration.ofSeconds(10)};

  /** Status codes 100-599 have a counter slot each; others share the last one. */
  private static final int STATUSES = 501;

  private final MeterRegistry registry;
  /** Per route and method, a slot per status code, made at its first use. */
  private final Counter[][] requests = new Counter[Route.values().length * METHODS.length][];
  private final Timer[] durations = new Timer[Route.values().length * METHODS.length];

  public HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** One request answered (or cut off) after {@code nanos}. */
  public void record(Route route, String method, int status, long nanos) {
    int methodCode = methodCode(method);
    int key = route.ordinal() * METHODS.length + methodCode;
    Counter[] byStatus = requests[key];
    if (byStatus == null) {
      byStatus = new Counter[STATUSES];
      requests[key] = byStatus;
    }
    int slot = status >= 100 && status < 600 ? status - 100 : STATUSES - 1;
    Counter counter = byStatus[slot];
    if (counter == null) {
      counter = Counter.builder("raftkv.http.requests").description("client requests answered")
          .tags("route", route.label, "method", methodName(methodCode), "code",
              slot == STATUSES - 1 ? "other" : Integer.toString(status))
          .register(registry);
      byStatus[slot] = counter;
    }
    counter.increment();
    if (route.streams) return;
    Timer timer = durations[key];
    if (timer == null) {
      timer = Timer.builder("raftkv.http.request.duration")
          .description("time from a client request's arrival to the end of its answer")
          .tags("route", route.label, "method", methodName(methodCode))
          .serviceLevelObjectives(BUCKETS)
          .register(registry);
      durations[key] = timer;
    }
    timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private static final String[] METHODS = {"GET", "PUT", "DELETE", "POST", "HEAD", "OTHER"};

  private static int methodCode(String method) {
    for (int i = 0; i < METHODS.length - 1; i++) {
      if (METHODS[i].equals(method)) return i;
    }
    return METHODS.length - 1;
  }

  private static String methodName(int code) {
    return METHODS[code];
  }
}
