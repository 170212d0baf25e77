package raftkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The HTTP side of {@code raftkv kv} and {@code raftkv cluster}: finds the leader through the
 * endpoints, sends each request to it, and retries what is safe to retry until the command's
 * timeout runs out. One client serves one command; its deadline starts when it is made.
 */
final class ClusterClient {

  /** What a request is, as far as retrying and the final advice go. */
  enum Kind {
    READ(false, true, null),
    /** A key-value write: its X-Request-Id lets the server apply it at most once. */
    WRITE(true, true, "the write may or may not have been applied: retry, or read the key"),
    /** A membership change: repeating one already made changes nothing. */
    CHANGE(true, true, "the change may or may not have been made: see 'raftkv cluster members',"
        + " or repeat the command"),
    /** A leadership transfer: sent again, it would move leadership again. */
    TRANSFER(false, false, "the transfer may or may not have happened: see 'raftkv cluster"
        + " status'");

    final boolean carriesId;
    /** Whether an attempt that may have reached the server is sent again. */
    final boolean resendsAfterUnknown;
    final String unknownOutcome;

    Kind(boolean carriesId, boolean resendsAfterUnknown, String unknownOutcome) {
      this.carriesId = carriesId;
      this.resendsAfterUnknown = resendsAfterUnknown;
      this.unknownOutcome = unknownOutcome;
    }
  }

  /** One logical request; every attempt at it carries the same request id. */
  record Request(Kind kind, String method, String path, byte[] body, String requestId) {
    static Request read(String path) {
      return new Request(Kind.READ, "GET", path, null, null);
    }

    static Request of(Kind kind, String method, String path, byte[] body) {
      return new Request(kind, method, path, body,
          kind.carriesId ? UUID.randomUUID().toString() : null);
    }
  }

  /**
   * An answer; {@code afterUnknown} when an earlier attempt's outcome was unknown, so this answer
   * may describe a state that attempt made (a 404 for a removal that took effect).
   */
  record Response(int status, HttpHeaders headers, byte[] body, boolean afterUnknown) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    ObjectNode json() {
      if (parsed() instanceof ObjectNode object) return object;
      throw ClientError.refused("the server answered " + status + " with something other than"
          + " a JSON object: " + abbreviated(text()));
    }

    ArrayNode jsonArray() {
      if (parsed() instanceof ArrayNode array) return array;
      throw ClientError.refused("the server answered " + status + " with something other than"
          + " a JSON array: " + abbreviated(text()));
    }

    /** This answer if it has {@code expected} status; else the server's refusal, status 5. */
    Response require(int expected) {
      if (status == expected) return this;
      throw ClientError.refused(error() + " (HTTP " + status + ")");
    }

    /** The {@code error} text of an error answer, or what stands in for it. */
    String error() {
      JsonNode parsed = parsed();
      JsonNode error = parsed == null ? null : parsed.get("error");
      if (error != null && error.isTextual()) return error.textValue();
      return "HTTP " + status + (body.length == 0 ? "" : ": " + abbreviated(text()));
    }

    /** The body as JSON, or null when it is none. */
    private JsonNode parsed() {
      try {
        return JSON.readTree(body);
      } catch (IOException notJson) {
        return null;
      }
    }

    private String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Jackson itself, not Vert.x's JSON, which would set up logging, and slowly at that. */
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Answers worth another attempt: not served (503), too busy (429), outcome unknown (504). */
  private static final Set<Integer> RETRIED_STATUSES = Set.of(429, 503, 504);
  /** Beyond this an unanswered connect attempt counts as a dead endpoint: try the next one. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /**
   * A node answers for its own status at once, so one that takes longer than this (frozen, cut
   * off) is passed over, rather than spending the whole timeout on it.
   */
  private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(1);
  private final HttpClient http;
  /** The {@code Authorization} header every request carries, or null. */
  private final String authorization;

  private final List<String> endpoints;
  private final Duration timeout;
  private final long deadline;
  /** Where requests go: the leader's client URL, else an endpoint that answered (it forwards). */
  private String target;
  /** URLs that failed to connect or to tell their status: asked last, never chosen as target. */
  private final Set<String> unreachable = new HashSet<>();
  private String discoveryProblem = "no endpoint was asked";

  /** A client of {@code endpoints}, base URLs such as {@code http://127.0.0.1:8101}. */
  ClusterClient(List<String> endpoints, Duration timeout) {
    this(endpoints, timeout, null, null);
  }

  /**
   * @param tls trusts the cluster's CA for https endpoints, or null for the JVM's default trust
   * @param token the bearer token every request carries, or null
   */
  ClusterClient(List<String> endpoints, Duration timeout, javax.net.ssl.SSLContext tls,
      String token) {
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT);
    if (tls != null) builder.sslContext(tls);
    this.http = builder.build();
    this.authorization = token == null ? null : "Bearer " + token;
    this.endpoints = List.copyOf(endpoints);
    this.timeout = timeout;
    this.deadline = System.nanoTime() + timeout.toNanos();
  }

  /**
   * Sends {@code request} to the leader and returns the first answer that is not worth retrying.
   * Retried with pauses until the timeout: a connection that fails (a dead node), 503 (nothing
   * was done), 429 (too busy), and 504 or a lost connection (the outcome is unknown) for the
   * kinds that may be sent again; after each failure the leader is looked for again.
   */
  Response send(Request request) {
    Backoff backoff = backoff();
    boolean unknown = false;
    String problem;
    while (true) {
      String url = target();
      if (url == null) {
        problem = discoveryProblem;
      } else {
        try {
          Response response = exchange(url, request, timeout, unknown);
          // after an attempt of unknown outcome, a change refused as "another change is under
          // way" may be refused because of that attempt: it is waited out, not reported
          boolean ownChangePending = unknown && request.kind() == Kind.CHANGE
              && response.status() == 409;
          if (!RETRIED_STATUSES.contains(response.status()) && !ownChangePending) return response;
          problem = url + " answered " + response.status() + ": " + response.error();
          if (response.status() == 504) {
            unknown = true;
            if (!request.kind().resendsAfterUnknown) throw outcomeUnknown(request, problem);
          }
          if (response.status() != 429) target = null;
        } catch (ConnectException | HttpConnectTimeoutException notSent) {
          problem = "cannot connect to " + url + ": " + describe(notSent);
          unreachable.add(url);
          target = null;
        } catch (IOException lost) {
          problem = url + " did not answer: " + describe(lost);
          unknown |= request.kind() != Kind.READ;
          if (!request.kind().resendsAfterUnknown) throw outcomeUnknown(request, problem);
          target = null;
        }
      }
      if (!backoff.pause()) {
        throw unknown ? outcomeUnknown(request, problem) : ClientError.unavailable(problem
            + ". Gave up after " + Output.duration(timeout) + ": check that the cluster is up"
            + " ('raftkv cluster status') and --endpoints, or raise --timeout");
      }
    }
  }

  Backoff backoff() {
    return new Backoff();
  }

  /** A pause between attempts: 50 ms, doubling up to 1 s, plus jitter; false past the deadline. */
  final class Backoff {
    private long pauseMs = 50;

    boolean pause() {
      long ms = pauseMs + ThreadLocalRandom.current().nextLong(pauseMs / 2 + 1);
      if (remaining().toMillis() <= ms) return false;
      pauseMs = Math.min(pauseMs * 2, 1000);
      try {
        Thread.sleep(ms);
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** One URL's answer to {@link #askEach}: the response, or why none came. */
  record Answer(Response response, String failure) {}

  /**
   * {@code GET path} at each URL at once, one attempt each: how each one is, down or not. A
   * member that does not answer costs the time left once, not once per member.
   */
  Map<String, Answer> askEach(Collection<String> urls, String path) {
    Map<String, CompletableFuture<Answer>> asked = new LinkedHashMap<>();
    for (String url : urls) {
      asked.put(url, http.sendAsync(httpRequest(url, Request.read(path), STATUS_TIMEOUT),
              HttpResponse.BodyHandlers.ofByteArray())
          .thenApply(r -> new Answer(new Response(r.statusCode(), r.headers(), r.body(), false),
              null))
          .exceptionally(e -> new Answer(null, describe(e.getCause() != null ? e.getCause() : e))));
    }
    Map<String, Answer> answers = new LinkedHashMap<>();
    asked.forEach((url, answer) -> answers.put(url, answer.join()));
    return answers;
  }

  List<String> endpoints() {
    return endpoints;
  }

  boolean timeLeft() {
    return !remaining().isZero();
  }

  Duration timeout() {
    return timeout;
  }

  /** The client URL of member {@code id} in a node's or the gateway's status, or null. */
  static String clientUrl(JsonNode status, int id) {
    for (String list : List.of("members", "learners", "nodes")) {
      for (JsonNode member : status.path(list)) {
        if (member.path("id").asInt() == id && member.path("clientUrl").isTextual()) {
          return member.path("clientUrl").textValue();
        }
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ finding the leader

  private String target() {
    if (target == null) target = discover();
    return target;
  }

  /** Asks the endpoints in order, those that refused last, until one tells its view. */
  private String discover() {
    List<String> order = new ArrayList<>(endpoints);
    order.sort((a, b) -> Boolean.compare(unreachable.contains(a), unreachable.contains(b)));
    List<String> problems = new ArrayList<>();
    for (String endpoint : order) {
      if (!timeLeft()) break;
      Response response;
      try {
        response = exchange(endpoint, Request.read("/v1/cluster"), STATUS_TIMEOUT, false);
      } catch (IOException e) {
        unreachable.add(endpoint);
        problems.add(endpoint + ": " + describe(e));
        continue;
      }
      if (response.status() == 401 || response.status() == 403) {
        // the other endpoints of the same cluster would say the same: say so now
        throw ClientError.refused(endpoint + " answered " + response.status() + ": "
            + response.error() + " (give a token with --token-file FILE or RAFTKV_TOKEN)");
      }
      try {
        if (response.status() != 200) {
          problems.add(endpoint + " answered " + response.status() + ": " + response.error());
          continue;
        }
        ObjectNode status = response.json();
        String leader = clientUrl(status, status.path("leaderId").asInt());
        return leader != null && !unreachable.contains(leader) ? leader : endpoint;
      } catch (ClientError e) {
        problems.add(endpoint + ": " + e.getMessage());
      }
    }
    discoveryProblem = "no endpoint answered (" + String.join("; ", problems) + ")";
    return null;
  }

  // ------------------------------------------------------------------ HTTP

  private Response exchange(String url, Request request, Duration atMost, boolean afterUnknown)
      throws IOException {
    try {
      HttpResponse<byte[]> r = http.send(httpRequest(url, request, atMost),
          HttpResponse.BodyHandlers.ofByteArray());
      return new Response(r.statusCode(), r.headers(), r.body(), afterUnknown);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ClientError.unavailable("interrupted while waiting for " + url);
    }
  }

  /** The request, to be answered within the time left and at most {@code atMost}. */
  private HttpRequest httpRequest(String url, Request request, Duration atMost) {
    Duration wait = remaining().compareTo(atMost) < 0 ? remaining() : atMost;
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url + request.path()))
        .timeout(wait.isZero() ? Duration.ofMillis(1) : wait)
        .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(request.body()));
    if (request.requestId() != null) builder.header("X-Request-Id", request.requestId());
    if (authorization != null) builder.header("Authorization", authorization);
    if (request.body() != null && request.kind() != Kind.WRITE) {
      builder.header("Content-Type", "application/json"); // values are bytes, and sent untyped
    }
    return builder.build();
  }

  /** The time left; zero once it has run out. */
  private Duration remaining() {
    long left = deadline - System.nanoTime();
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  private ClientError outcomeUnknown(Request request, String problem) {
    return ClientError.unavailable(problem + "; " + request.kind().unknownOutcome);
  }

  /** The first message down the chain of causes: the JDK's client often wraps a bare one. */
  private static String describe(Throwable e) {
    String hint = TlsHints.of(e);
    if (hint != null) return hint;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException) return "unknown host";
      if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
    }
    return e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
  }

  private static String abbreviated(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }
}
