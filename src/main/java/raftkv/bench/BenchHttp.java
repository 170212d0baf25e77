package raftkv.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The plain Vert.x {@link HttpClient} of the watch and lease benchmarks: one per event loop, so
 * that every connection, request and answer of that loop's share stays on it.
 */
final class BenchHttp {

  /** A whole answer: its status and body. */
  record Answer(int status, Buffer body) {
    boolean ok() {
      return status == 200;
    }
  }

  private BenchHttp() {}

  /**
   * A client holding up to {@code connections} connections per server: kept alive, no idle
   * timeout (a watch stream may be quiet for a while; the server sends progress events), no
   * pipelining (one request per connection at a time, as real clients do).
   */
  static HttpClient client(Vertx vertx, int connections) {
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setKeepAliveTimeout(0) // an idle pooled connection is never dropped by the client
        .setIdleTimeout(0)
        .setPipelining(false)
        .setConnectTimeout(30_000);
    return vertx.httpClientBuilder()
        .with(options)
        .with(new PoolOptions().setHttp1MaxSize(Math.max(1, connections)))
        // a closed or reset connection is heard of by its request or stream; unhandled, Vert.x
        // would also log an ERROR for each one
        .withConnectHandler(connection -> connection.exceptionHandler(e -> { }))
        .build();
  }

  static RequestOptions request(Endpoint to, HttpMethod method, String path) {
    return new RequestOptions().setMethod(method).setHost(to.host()).setPort(to.port())
        .setURI(to.basePath() + path);
  }

  /**
   * Sends {@code body} (null: none) and reads the whole answer. {@code timeoutMs} is Vert.x's
   * connect-plus-idle timeout, which also frees the connection when it fires.
   */
  static Future<Answer> call(HttpClient client, RequestOptions request, Buffer body,
      long timeoutMs) {
    request.setTimeout(timeoutMs);
    return client.request(request)
        .compose(req -> send(req, body))
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b)));
  }

  private static Future<io.vertx.core.http.HttpClientResponse> send(HttpClientRequest req,
      Buffer body) {
    return body == null ? req.send() : req.send(body);
  }
}
