package raftkv.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server for the load tester to hit: it numbers requests in arrival order (1, 2, ...),
 * records them, answers as the test's {@link Responder} says, and tracks how many it held at
 * once (received and not yet answered).
 */
final class FakeHttpServer {

  /** One request as the server saw it, {@code n} counting from 1 in arrival order. */
  record Received(int n, HttpMethod method, String path, String query, String contentType,
      Buffer body) {
    String bodyText() {
      return body.toString();
    }
  }

  /**
   * An answer: status and body after {@code delayMs}; {@link #NEVER} answers nothing, {@link
   * #CLOSE} closes the connection instead of answering.
   */
  record Reply(int status, String body, long delayMs) {
    static final Reply NEVER = new Reply(-1, null, 0);
    static final Reply CLOSE = new Reply(-2, null, 0);

    static Reply of(int status, String body) {
      return new Reply(status, body, 0);
    }
  }

  interface Responder {
    Reply reply(Received request);
  }

  private final Responder responder;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger arrivals = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private Vertx vertx;
  private HttpServer server;

  private FakeHttpServer(Responder responder) {
    this.responder = responder;
  }

  /** Listens on a free port of 127.0.0.1; closed with {@code vertx}. */
  static FakeHttpServer start(Vertx vertx, Responder responder) {
    FakeHttpServer fake = new FakeHttpServer(responder);
    fake.vertx = vertx;
    fake.server = vertx.createHttpServer().requestHandler(fake::handle)
        .listen(0, "127.0.0.1").await();
    return fake;
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  private void handle(HttpServerRequest request) {
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    request.body().onSuccess(body -> {
      Received r = new Received(arrivals.incrementAndGet(), request.method(), request.path(),
          request.query(), request.getHeader("content-type"), body);
      received.add(r);
      Reply reply = responder.reply(r);
      if (reply == Reply.NEVER) {
        // held until the client gives up and closes the connection
        request.connection().closeHandler(v -> inFlight.decrementAndGet());
        return;
      }
      if (reply == Reply.CLOSE) {
        inFlight.decrementAndGet();
        request.connection().close();
        return;
      }
      if (reply.delayMs() > 0) {
        vertx.setTimer(reply.delayMs(), id -> answer(request, reply));
      } else {
        answer(request, reply);
      }
    });
  }

  private void answer(HttpServerRequest request, Reply reply) {
    // counted out before the answer leaves, so the client's next request cannot overlap it
    inFlight.decrementAndGet();
    request.response().setStatusCode(reply.status()).end(reply.body() == null ? "" : reply.body());
  }
}
