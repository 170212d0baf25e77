package raftkv.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * The tests' HTTP client: sends the URI exactly as given (no encoding on the way, so tests can
 * send malformed or raw UTF-8 paths) to a port on 127.0.0.1, and waits a bounded time for the
 * answer (failing with the reason otherwise).
 *
 * <p>Requests are issued from one Vert.x context: issued straight from a test thread, each on a
 * new context, the Vert.x 5.0.7 client now and then lost the answer on a reused connection (about
 * one request in a few hundred waited forever, though the server had answered).
 */
public final class TestHttp {

  /** An HTTP answer as a test sees it. */
  public record Reply(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return body.toJsonObject();
    }

    public JsonArray jsonArray() {
      return body.toJsonArray();
    }

    public String text() {
      return body.toString();
    }

    public String header(String name) {
      return headers.get(name);
    }

    /** The {@code error} of a JSON error body. */
    public String error() {
      return json().getString("error");
    }

    /** The {@code revision} of a write's answer. */
    public long revision() {
      return json().getLong("revision");
    }
  }

  private final HttpClientAgent http;
  private final Context context;
  private final long timeoutMs;

  /** A client that waits up to 10 s for each answer. */
  public TestHttp(Vertx vertx) {
    this(vertx, 10_000);
  }

  /** A client that waits up to {@code timeoutMs} for each answer (connecting: at most 1 s). */
  public TestHttp(Vertx vertx, long timeoutMs) {
    this(vertx, timeoutMs, new PoolOptions().getHttp1MaxSize());
  }

  /**
   * As {@link #TestHttp(Vertx, long)}, with at most {@code maxConnections} to each server (1:
   * every request reuses one connection, so a test also shows that it stays usable).
   */
  public TestHttp(Vertx vertx, long timeoutMs, int maxConnections) {
    this(vertx, timeoutMs, maxConnections, new HttpClientOptions());
  }

  /** As {@link #TestHttp(Vertx, long, int)}, with {@code options} (TLS, say). */
  public TestHttp(Vertx vertx, long timeoutMs, int maxConnections, HttpClientOptions options) {
    this.context = vertx.getOrCreateContext();
    this.http = vertx.httpClientBuilder()
        .with(options.setConnectTimeout(1_000))
        .with(new PoolOptions().setHttp1MaxSize(maxConnections))
        // a server killed by a test resets its connections: the request under way hears of it,
        // and unhandled, Vert.x would log an ERROR for the connection too
        .withConnectHandler(connection -> connection.exceptionHandler(e -> { }))
        .build();
    this.timeoutMs = timeoutMs;
  }

  /** Sends and waits for the answer. */
  public Reply send(int port, HttpMethod method, String uri, Buffer body,
      String... headerNamesAndValues) {
    return start(port, method, uri, body, headerNamesAndValues).await();
  }

  /** Sends a request and returns without waiting for the answer. */
  public Future<Reply> start(int port, HttpMethod method, String uri, Buffer body,
      String... headerNamesAndValues) {
    // the idle timeout closes the connection of a request given up on: it cannot arrive later
    RequestOptions options = new RequestOptions().setMethod(method).setHost(TestConfigs.HOST)
        .setPort(port).setURI(uri).setIdleTimeout(timeoutMs);
    for (int i = 0; i < headerNamesAndValues.length; i += 2) {
      options.putHeader(headerNamesAndValues[i], headerNamesAndValues[i + 1]);
    }
    Promise<Reply> reply = Promise.promise();
    context.runOnContext(v -> http.request(options)
        .compose(request -> body == null ? request.send() : request.send(body))
        .compose(response -> response.body()
            .map(bytes -> new Reply(response.statusCode(), response.headers(), bytes)))
        .onComplete(reply));
    return reply.future().timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** A client of one port. */
  public static final class Client {
    private final TestHttp http;
    private final int port;

    public Client(Vertx vertx, int port) {
      this.http = new TestHttp(vertx);
      this.port = port;
    }

    public Reply get(String uri) {
      return send(HttpMethod.GET, uri, null);
    }

    public Reply put(String uri, String value) {
      return send(HttpMethod.PUT, uri, Buffer.buffer(value));
    }

    public Reply delete(String uri) {
      return send(HttpMethod.DELETE, uri, null);
    }

    public Reply send(HttpMethod method, String uri, Buffer body, String... headerNamesAndValues) {
      return http.send(port, method, uri, body, headerNamesAndValues);
    }

    /** Sends a request and returns without waiting for the answer. */
    public Future<Reply> start(HttpMethod method, String uri, Buffer body,
        String... headerNamesAndValues) {
      return http.start(port, method, uri, body, headerNamesAndValues);
    }
  }
}
