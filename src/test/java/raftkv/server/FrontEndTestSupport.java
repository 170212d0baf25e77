package raftkv.server;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import raftkv.server.NodeConfig.Limits;
import raftkv.server.NodeConfig.Member;

/** Configurations, deployment and a plain HTTP client for the front end's tests. */
final class FrontEndTestSupport {

  static final String HOST = "127.0.0.1";

  /** Small limits so that the tests can cross them cheaply. */
  static final Limits LIMITS = new Limits(64, 4096, 100, 3000);

  private FrontEndTestSupport() {}

  /** A port that was free a moment ago (for configurations that must name peers' ports). */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Members 1..n with these client ports. */
  static List<Member> members(int... clientPorts) {
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < clientPorts.length; i++) {
      members.add(new Member(i + 1, HOST, 0, clientPorts[i]));
    }
    return members;
  }

  static NodeConfig nodeConfig(int nodeId, List<Member> members, Limits limits) {
    return new NodeConfig(nodeId, "data/node" + nodeId, HOST, 0, members, "token", 50, 10, 2,
        limits, NodeConfig.Tuning.DEFAULTS, NodeConfig.RequestIds.DEFAULTS);
  }

  static NodeConfig gatewayConfig(List<Member> members, Limits limits) {
    return new NodeConfig(0, "", HOST, 0, members, "token", 50, 10, 2, limits,
        NodeConfig.Tuning.DEFAULTS, NodeConfig.RequestIds.DEFAULTS);
  }

  static FrontEndVerticle deploy(Vertx vertx, NodeConfig config) {
    FrontEndVerticle frontEnd = new FrontEndVerticle(config);
    vertx.deployVerticle(frontEnd).await();
    return frontEnd;
  }

  /** Deploys a front end and returns its deployment id, to undeploy it later. */
  static String deployForUndeploy(Vertx vertx, NodeConfig config) {
    return vertx.deployVerticle(new FrontEndVerticle(config)).await();
  }

  /** An HTTP answer as the test sees it. */
  record Reply(int status, MultiMap headers, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }

    JsonArray jsonArray() {
      return body.toJsonArray();
    }

    String text() {
      return body.toString();
    }

    String header(String name) {
      return headers.get(name);
    }

    String error() {
      return json().getString("error");
    }
  }

  /**
   * Sends requests with the URI exactly as given (no encoding on the way). Requests are issued
   * from one Vert.x context: issued straight from the test thread, each on a new context, the
   * Vert.x 5.0.7 client now and then lost the answer on a reused connection (about one request in
   * a few hundred waited forever, though the server had answered).
   */
  static final class Client {
    private final HttpClientAgent http;
    private final Context context;
    private final int port;

    Client(Vertx vertx, int port) {
      this.context = vertx.getOrCreateContext();
      this.http = vertx.createHttpClient();
      this.port = port;
    }

    Reply get(String uri) {
      return send(HttpMethod.GET, uri, null);
    }

    Reply put(String uri, String value) {
      return send(HttpMethod.PUT, uri, Buffer.buffer(value));
    }

    Reply delete(String uri) {
      return send(HttpMethod.DELETE, uri, null);
    }

    Reply send(HttpMethod method, String uri, Buffer body, String... headerNamesAndValues) {
      return start(method, uri, body, headerNamesAndValues).await();
    }

    /** Sends a request and returns without waiting for the answer. */
    Future<Reply> start(
        HttpMethod method, String uri, Buffer body, String... headerNamesAndValues) {
      RequestOptions options = new RequestOptions().setMethod(method).setHost(HOST).setPort(port)
          .setURI(uri);
      for (int i = 0; i < headerNamesAndValues.length; i += 2) {
        options.putHeader(headerNamesAndValues[i], headerNamesAndValues[i + 1]);
      }
      Promise<Reply> reply = Promise.promise();
      context.runOnContext(v -> http.request(options)
          .compose(request -> body == null ? request.send() : request.send(body))
          .compose(response -> response.body()
              .map(bytes -> new Reply(response.statusCode(), response.headers(), bytes)))
          .onComplete(reply));
      return reply.future().timeout(10, TimeUnit.SECONDS);
    }
  }
}
