package raftkv.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sends operations over one event loop's {@link WebClient} and reports each one's
 * {@link Outcome}; it never fails, since every failure is an outcome to count.
 */
final class RequestSender {

  private final WebClient client;
  private final List<Endpoint> endpoints;
  private final Target target;
  private final long timeoutMs;

  private final String authorization;

  /** @param authorization the {@code Authorization} header of every request, or null */
  RequestSender(WebClient client, List<Endpoint> endpoints, Target target, long timeoutMs,
      String authorization) {
    this.authorization = authorization;
    this.client = client;
    this.endpoints = List.copyOf(endpoints);
    this.target = target;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Sends {@code op} to endpoint number {@code endpoint} (modulo their count). {@code done} runs
   * on this event loop.
   */
  void send(Operation op, long endpoint, Consumer<Outcome> done) {
    Endpoint to = endpoints.get((int) Math.floorMod(endpoint, (long) endpoints.size()));
    Target.HttpCall call = target.call(op, to.basePath());
    // timeout(): connect plus idle timeout; on expiry Vert.x resets the request, freeing the
    // connection slot, and fails with a TimeoutException (see shared/VERTX5.md, section 3)
    HttpRequest<Buffer> request = client.request(call.method(), to.port(), to.host(), call.uri())
        .ssl(to.https()).timeout(timeoutMs);
    if (authorization != null) request.putHeader("Authorization", authorization);
    if (call.body() == null) {
      request.send().onComplete(ar -> done.accept(ar.succeeded()
          ? target.judge(op, ar.result().statusCode(), ar.result().body())
          : Outcome.failure(ar.cause())));
    } else {
      request.putHeader("content-type", call.contentType());
      request.sendBuffer(call.body()).onComplete(ar -> done.accept(ar.succeeded()
          ? target.judge(op, ar.result().statusCode(), ar.result().body())
          : Outcome.failure(ar.cause())));
    }
  }
}
