package raftkv.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code raftkv http-ceiling}: an HTTP server that does nothing but answer, the reference for
 * what one HTTP request per operation can reach on this machine. GET gets 100 bytes, anything
 * else {@code {"revision":1}}, always 200. One verticle per core shares the port.
 */
@Command(name = "http-ceiling", mixinStandardHelpOptions = true,
    description = "Serve 200 to every request, as fast as Vert.x can: the HTTP ceiling to "
        + "compare raftkv's throughput with. Serves until killed.")
public final class CeilingServer implements Callable<Integer> {

  static final Buffer WRITE_ANSWER = Buffer.buffer("{\"revision\":1}");
  static final Buffer READ_ANSWER = Buffer.buffer("x".repeat(100));

  @Option(names = "--port", defaultValue = "0", description = "port (default: any free one)")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on "
      + "(default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--instances", description = "verticles, one per event loop (default: the "
      + "number of cores)")
  Integer instances;

  @Override
  public Integer call() throws InterruptedException {
    int n = instances != null ? instances : Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(n));
    int actual;
    try {
      actual = start(vertx, host, port, n).await();
    } catch (Exception e) {
      System.err.println("http-ceiling: could not listen on " + host + ":" + port + ": "
          + e.getMessage());
      vertx.close();
      return 1;
    }
    System.out.println("http-ceiling listening on http://" + host + ":" + actual + " with " + n
        + " event loops; stop it with Ctrl-C or kill " + ProcessHandle.current().pid());
    System.out.flush();
    Thread.currentThread().join(); // serve until killed
    return 0;
  }

  /** Starts {@code instances} verticles on {@code port}; the future has the actual port. */
  static Future<Integer> start(Vertx vertx, String host, int port, int instances) {
    AtomicInteger actualPort = new AtomicInteger();
    // Vert.x 5 shares a port between servers only if they ask for the same one; a negative port
    // means "a random port, shared by every server that asks for this same negative number"
    int listenPort = port == 0 ? -1 : port;
    return vertx.deployVerticle(() -> new CeilingVerticle(host, listenPort, actualPort),
            new DeploymentOptions().setInstances(instances))
        .map(id -> actualPort.get());
  }

  /** One event loop's server. */
  static final class CeilingVerticle extends VerticleBase {
    private final String host;
    private final int port;
    private final AtomicInteger actualPort;

    CeilingVerticle(String host, int port, AtomicInteger actualPort) {
      this.host = host;
      this.port = port;
      this.actualPort = actualPort;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
          .requestHandler(CeilingVerticle::answer)
          .listen()
          .compose(server -> {
            int first = actualPort.compareAndExchange(0, server.actualPort());
            return first == 0 || first == server.actualPort() ? Future.succeededFuture()
                : Future.failedFuture("instances listen on different ports: " + first + ", "
                    + server.actualPort());
          });
    }

    private static void answer(HttpServerRequest request) {
      boolean read = request.method() == HttpMethod.GET;
      // answer once the body is in, so the connection is ready for the next request
      request.end().onComplete(done -> request.response()
          .putHeader("content-type", read ? "application/octet-stream" : "application/json")
          .end(read ? READ_ANSWER : WRITE_ANSWER));
    }
  }
}
