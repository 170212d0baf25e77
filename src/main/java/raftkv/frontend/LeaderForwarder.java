package raftkv.frontend;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig.Member;
import raftkv.security.Tls;

/**
 * Passes a client's request on to another node's front end (usually the leader's) over kept-alive
 * HTTP connections, and relays its answer: status, content type, {@code X-Revision}, {@code
 * X-More-Keys}, {@code X-Next-After}, {@code X-Applied-Index} and body.
 *
 * <p>The request must be answered by the client's deadline. Failing to get a connection in that
 * time means the request never left ({@link ForwardFailedException#mayHaveArrived()} false);
 * anything that goes wrong after it was sent (a reset, the deadline) leaves its fate open.
 */
public final class LeaderForwarder {

  private static final Logger LOG = LoggerFactory.getLogger(LeaderForwarder.class);

  private static final List<String> RELAYED_HEADERS = List.of(ClientHeaders.CONTENT_TYPE,
      ClientHeaders.REVISION, ClientHeaders.MORE_KEYS, ClientHeaders.NEXT_AFTER,
      ClientHeaders.APPLIED_INDEX);

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final String scheme;

  /**
   * @param connectionsPerNode connections kept open to each node; more concurrent requests queue
   *     for one
   */
  LeaderForwarder(Vertx vertx, int connectionsPerNode, Tls tls) {
    this.vertx = vertx;
    this.scheme = tls.scheme();
    this.client = vertx.httpClientBuilder()
        .with(tls.client(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
            .setMetricsName("forwarding")))
        .with(new PoolOptions().setHttp1MaxSize(connectionsPerNode))
        // the request under way hears of a reset (a node that died); unhandled, Vert.x would
        // log it as an ERROR
        .withConnectHandler(connection -> connection.exceptionHandler(e ->
            LOG.debug("a connection to another front end failed: {}", e.toString())))
        .build();
    tls.track(client, 0);
  }

  /**
   * Sends {@code request} to {@code target}'s front end and relays the answer.
   *
   * @param forwardedBy the node id to put into {@link ClientHeaders#FORWARDED_BY}, or 0 to leave
   *     the request unmarked (a gateway, which is no node)
   * @return the answer, or a {@link ForwardFailedException}
   */
  public Future<HttpAnswer> forward(
      Member target, ForwardableRequest request, Deadline deadline, int forwardedBy) {
    return forward(target, request, deadline, forwardedBy, Promise.<String>promise().future());
  }

  /**
   * As {@link #forward(Member, ForwardableRequest, Deadline, int)}, given up (the request reset,
   * a {@link ForwardFailedException} that it may have arrived) once {@code abandon} completes,
   * with the reason it gives.
   */
  public Future<HttpAnswer> forward(Member target, ForwardableRequest request, Deadline deadline,
      int forwardedBy, Future<String> abandon) {
    long ms = deadline.remainingMs();
    if (ms == 0) {
      return Future.failedFuture(new ForwardFailedException(false, "no time was left to ask "
          + describe(target)));
    }
    RequestOptions options = new RequestOptions()
        .setMethod(request.method())
        .setHost(target.host())
        .setPort(target.clientPort())
        .setURI(request.uri())
        .setConnectTimeout(ms) // also bounds the wait for a pooled connection
        .setIdleTimeout(ms);
    if (request.requestId() != null) {
      options.putHeader(ClientHeaders.REQUEST_ID, request.requestId());
    }
    if (request.idRetention() != null) {
      options.putHeader(ClientHeaders.REQUEST_ID_RETENTION, request.idRetention());
    }
    if (forwardedBy != 0) {
      options.putHeader(ClientHeaders.FORWARDED_BY, Integer.toString(forwardedBy));
    }
    if (request.authorization() != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, request.authorization());
    }
    // Given up while it waits for a connection (a pool full of requests to a frozen node, a
    // connect that hangs), the request never left: nothing was sent.
    Future<HttpClientRequest> connecting = client.request(options);
    Promise<HttpAnswer> answer = Promise.promise();
    abandon.onSuccess(why -> {
      if (!connecting.isComplete()) {
        answer.tryFail(new ForwardFailedException(false, "gave up on " + describe(target)
            + " before sending: " + why));
      }
    });
    connecting.onComplete(connected -> {
      if (answer.future().isComplete()) {
        if (connected.succeeded()) connected.result().reset(); // unsent: back to the pool
      } else if (connected.failed()) {
        answer.tryFail(new ForwardFailedException(false, "cannot reach " + describe(target)
            + ": " + reason(connected.cause())));
      } else {
        exchange(connected.result(), request.body(), deadline, target, abandon)
            .onComplete(answer);
      }
    });
    return answer.future();
  }

  private Future<HttpAnswer> exchange(HttpClientRequest outgoing, Buffer body, Deadline deadline,
      Member target, Future<String> abandon) {
    Promise<HttpAnswer> answer = Promise.promise();
    abandon.onSuccess(why -> {
      if (answer.tryFail(new ForwardFailedException(true, "gave up on " + describe(target)
          + ": " + why))) {
        outgoing.reset();
      }
    });
    // A hard deadline: the idle timeout alone would let a trickling answer run on.
    long timer = vertx.setTimer(Math.max(1, deadline.remainingMs()), id -> {
      answer.tryFail(new ForwardFailedException(true,
          describe(target) + " did not answer in time"));
      outgoing.reset();
    });
    Future<HttpClientResponse> sent = body == null ? outgoing.send() : outgoing.send(body);
    sent.compose(response -> response.body().map(bytes -> relayed(response, bytes)))
        .onComplete(done -> {
          vertx.cancelTimer(timer);
          if (done.succeeded()) {
            answer.tryComplete(done.result());
          } else {
            answer.tryFail(new ForwardFailedException(true, "no answer from " + describe(target)
                + ": " + reason(done.cause())));
          }
        });
    return answer.future();
  }

  private static HttpAnswer relayed(HttpClientResponse response, Buffer body) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String name : RELAYED_HEADERS) {
      String value = response.getHeader(name);
      if (value != null) headers.put(name, value);
    }
    return new HttpAnswer(response.statusCode(), headers, body);
  }

  String describe(Member node) {
    return "node " + node.id() + " at " + node.clientUrl(scheme);
  }

  private static String reason(Throwable e) {
    if (e instanceof javax.net.ssl.SSLException) return raftkv.security.TlsErrors.describe(e);
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  Future<Void> close() {
    return client.close();
  }
}
