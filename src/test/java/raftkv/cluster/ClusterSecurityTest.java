package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import raftkv.security.AuthSettings;
import raftkv.security.Role;
import raftkv.security.TlsSettings;
import raftkv.security.Tokens;
import raftkv.testing.TestConfigs;
import raftkv.testing.TestHttp.Reply;
import raftkv.transport.RaftRpcServer;

/**
 * A cluster with TLS on both ports and client tokens, in this JVM, with certificates made by
 * {@code scripts/tls-certs.sh} (as {@code ./cluster.sh start --tls} makes them): clients speak
 * HTTPS, peers prove who they are with certificates, each role gets what it may and no more,
 * and bad peers and bad TLS input are refused while the cluster goes on serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterSecurityTest {

  private static final String ADMIN = Tokens.generate();
  private static final String WRITER = Tokens.generate();
  private static final String READER = Tokens.generate();
  private static final long RELOAD_CHECK_MS = 200;

  private Path certs;
  private ClusterHarness cluster;
  private final Vertx vertx = Vertx.vertx();
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

  @BeforeAll
  void startTheCluster(@TempDir Path tmp) throws Exception {
    log.start();
    root.addAppender(log);
    certs = tmp.resolve("tls");
    Certificates.make(certs, "ca");
    for (int id = 1; id <= 3; id++) Certificates.make(certs, "member", Integer.toString(id));
    Certificates.make(certs, "member", "9", "--expired");
    Certificates.make(certs, "client", "no-member");
    Certificates.make(certs, "other-ca");
    AuthSettings auth = new AuthSettings(true, List.of(
        new AuthSettings.Token("ops", Role.ADMIN, Tokens.hash(ADMIN)),
        new AuthSettings.Token("app", Role.READ_WRITE, Tokens.hash(WRITER)),
        new AuthSettings.Token("report", Role.READ, Tokens.hash(READER))));
    cluster = ClusterHarness.started(new ClusterHarness(3, tmp.resolve("data"),
        (id, node) -> node.tls(tls(id)).auth(auth)));
    cluster.clientOptions(new HttpClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.resolve("ca.pem").toString())))
        .clientToken(ADMIN);
  }

  private TlsSettings tls(int id) {
    return new TlsSettings(true, certs.resolve("node" + id + ".pem").toString(),
        certs.resolve("node" + id + "-key.pem").toString(), certs.resolve("ca.pem").toString(),
        // node 1 (whose refusals the tests read) does TLS by BoringSSL, the others by the JVM:
        // the two engines must speak to each other
        RELOAD_CHECK_MS, id == 1 ? "openssl" : "jdk");
  }

  @AfterAll
  void stop() {
    root.detachAppender(log);
    if (cluster != null) cluster.close();
    vertx.close().await();
  }

  @Test
  void clientsSpeakHttpsAndWritesReplicateOverMutualTls() {
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    // through a follower: it forwards over HTTPS, with the client's token
    Reply put = cluster.retrying(follower, "PUT", "/v1/kv/secure", "yes",
        "Authorization", "Bearer " + WRITER);
    assertThat(put.status()).as(put.text()).isEqualTo(200);
    for (int id = 1; id <= 3; id++) {
      int node = id;
      ClusterHarness.await("node " + id + " has the write", 10_000, () ->
          cluster.get(node, "/v1/kv/secure?consistency=stale").status() == 200);
    }
    assertThat(cluster.get(leader, "/metrics").text())
        .containsPattern("raftkv_tls_certificate_not_after_seconds\\S* [0-9.E]+");
    Reply status = cluster.get(leader, "/v1/cluster");
    assertThat(status.json().getJsonArray("members").getJsonObject(0).getString("clientUrl"))
        .startsWith("https://");
  }

  @Test
  void eachRoleGetsWhatItMayAndNoMore() {
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    Reply anonymous = send(leader, "GET", "/v1/kv/x", null, null);
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"raftkv\"");
    assertThat(anonymous.error()).contains("Authorization: Bearer");
    assertThat(send(leader, "GET", "/v1/kv/x", "rkv_not-a-token", null).status()).isEqualTo(401);
    assertThat(send(leader, "GET", "/health", null, null).status()).isEqualTo(200);
    assertThat(send(leader, "GET", "/ui/", null, null).status()).isEqualTo(200);
    assertThat(send(leader, "GET", "/metrics", null, null).status()).isEqualTo(401);

    assertThat(send(leader, "GET", "/v1/kv/x", READER, null).status()).isEqualTo(404);
    assertThat(send(leader, "GET", "/v1/cluster", READER, null).status()).isEqualTo(200);
    Reply readerPut = send(follower, "PUT", "/v1/kv/x", READER, "v");
    assertThat(readerPut.status()).isEqualTo(403);
    assertThat(readerPut.error()).contains("'report'").contains("read-write");
    assertThat(send(leader, "POST", "/v1/leases", READER, "{\"ttlMs\": 5000}").status())
        .isEqualTo(403);

    assertThat(send(leader, "PUT", "/v1/kv/x", WRITER, "v").status()).isEqualTo(200);
    assertThat(send(leader, "DELETE", "/v1/kv/x", WRITER, null).status()).isEqualTo(200);
    assertThat(send(leader, "POST", "/v1/leader", WRITER, null).status()).isEqualTo(403);
    assertThat(send(leader, "POST", "/v1/members", WRITER,
        "{\"id\": 7, \"host\": \"127.0.0.1\", \"raftPort\": 1, \"clientPort\": 2}").status())
        .isEqualTo(403);
    assertThat(send(leader, "DELETE", "/v1/members/3", WRITER, null).status()).isEqualTo(403);
    assertThat(send(leader, "GET", "/v1/members", READER, null).status()).isEqualTo(200);

    // an admin may move leadership, through a follower too
    Reply transfer = cluster.retrying(follower, "POST", "/v1/leader",
        "{\"to\": " + follower + "}", "Authorization", "Bearer " + ADMIN,
        "Content-Type", "application/json");
    assertThat(transfer.status()).as(transfer.text()).isEqualTo(200);
    assertThat(transfer.json().getInteger("leaderId")).isEqualTo(follower);
    assertThat(logText()).as("no token is ever logged")
        .doesNotContain(ADMIN).doesNotContain(WRITER).doesNotContain(READER)
        .doesNotContain("rkv_not-a-token").doesNotContain(TestConfigs.TOKEN);
  }

  @Test
  void theDashboardsCookieTokenOpensItsStreamButNoWrite() {
    HttpClientAgent client = vertx.httpClientBuilder().with(new HttpClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.resolve("ca.pem").toString())))
        .build();
    int port = cluster.member(1).clientPort();
    String cookie = "raftkv_token=" + READER;
    assertThat(statusOf(client, port, "GET", "/ui/events", "Cookie", cookie)).isEqualTo(200);
    assertThat(statusOf(client, port, "GET", "/ui/events", "Cookie", "raftkv_token=rkv_wrong"))
        .isEqualTo(401);
    // a cookie goes with requests other sites' pages make a browser send: never for a change
    String writerCookie = "raftkv_token=" + WRITER;
    assertThat(statusOf(client, port, "PUT", "/v1/kv/by-cookie", "Cookie", writerCookie))
        .isEqualTo(401);
    // nor for anything but the stream, reads included; a bad escape is no token
    assertThat(statusOf(client, port, "GET", "/v1/cluster", "Cookie", cookie)).isEqualTo(401);
    assertThat(statusOf(client, port, "GET", "/ui/events", "Cookie", "raftkv_token=%zz"))
        .isEqualTo(401);
    client.close();
  }

  /** The status a request is answered with; the connection is closed once it is known. */
  private static int statusOf(HttpClientAgent client, int port, String method, String uri,
      String header, String value) {
    return client.request(new RequestOptions().setMethod(HttpMethod.valueOf(method))
            .setHost(TestConfigs.HOST).setPort(port).setURI(uri).putHeader(header, value))
        .compose(r -> method.equals("PUT") ? r.send(Buffer.buffer("v")) : r.send())
        .map(response -> {
          response.request().connection().close();
          return response.statusCode();
        })
        .timeout(10, TimeUnit.SECONDS).await();
  }

  @Test
  void aPeerCertificateSpeaksForItsOwnMemberOnly() {
    int raftPort = cluster.member(1).raftPort();
    // node 2's certificate, as node 2: taken
    assertThat(postBatch(raftPort, "node2", 2).status()).isEqualTo(204);
    // node 2's certificate, claiming to be node 3: refused before the core sees it
    Reply impersonation = postBatch(raftPort, "node2", 3);
    assertThat(impersonation.status()).isEqualTo(403);
    assertThat(impersonation.text()).contains("names member 2")
        .contains("claims to come from node 3");
    // the right certificate with a wrong cluster token
    Reply wrongToken = send(raftClient("node2"), raftPort, batchFrom(2), "wrong-token");
    assertThat(wrongToken.status()).isEqualTo(400);
    assertThat(wrongToken.text()).contains("wrong cluster token");
  }

  @Test
  void badTlsInputIsRefusedWithAClearReasonAndTheClusterServesOn() {
    int raftPort = cluster.member(1).raftPort();
    // a CA-signed certificate that names no member; an expired member's; another CA's (which
    // a client does not present to a node that asks for its own CA's: none); none
    assertHandshakeFails(raftClient("no-member"), raftPort);
    assertHandshakeFails(raftClient("node9"), raftPort);
    assertHandshakeFails(raftClient(certs.resolve("other").resolve("node1"),
        certs.resolve("ca.pem")), raftPort);
    assertHandshakeFails(vertx.createHttpClient(new HttpClientOptions().setSsl(true)
        .setVerifyHost(false).setTrustOptions(new PemTrustOptions()
            .addCertPath(certs.resolve("ca.pem").toString()))), raftPort);
    // plain HTTP to the TLS ports
    assertHandshakeFails(vertx.createHttpClient(), raftPort);
    assertHandshakeFails(vertx.createHttpClient(), cluster.member(1).clientPort());
    // a client that trusts another CA does not take the node's certificate
    assertThatThrownBy(() -> vertx.createHttpClient(new HttpClientOptions().setSsl(true)
            .setTrustOptions(new PemTrustOptions().addCertPath(certs.resolve("other")
                .resolve("ca.pem").toString())))
        .request(new RequestOptions().setHost(TestConfigs.HOST)
            .setPort(cluster.member(1).clientPort()).setURI("/health"))
        .compose(r -> r.send()).timeout(5, TimeUnit.SECONDS).await())
        .hasStackTraceContaining("PKIX");

    ClusterHarness.await("every refusal is logged with its reason", 10_000, () -> {
      String text = logText();
      return text.contains("names no member") && text.contains("has expired")
          && text.contains("Node 1 refused a client connection: TLS handshake failed: the other"
              + " side does not take this node's certificate")
          && text.contains("no certificate of this node's CA was presented")
          && text.contains("sent plain HTTP to this TLS port: peers must dial https")
          && text.contains("sent plain HTTP to this TLS port: clients must use https://");
    });
    int leader = cluster.awaitLeader();
    Reply put = cluster.retrying(leader, "PUT", "/v1/kv/after-refusals", "still-here");
    assertThat(put.status()).as(put.text()).isEqualTo(200);
  }

  @Test
  void aReplacedCertificateIsTakenWithoutARestartAndABrokenOneIsNot() throws Exception {
    int port = cluster.member(3).clientPort();
    java.math.BigInteger before = servedSerial(port);
    Certificates.make(certs, "member", "3"); // what an operator does to rotate it
    ClusterHarness.await("node 3 serves its new certificate", 10_000,
        () -> !servedSerial(port).equals(before));
    java.math.BigInteger rotated = servedSerial(port);
    assertThat(logText()).contains("took the changed TLS files");

    // a half-written or wrong file is not taken: the node keeps the certificate it has
    java.nio.file.Files.writeString(certs.resolve("node3.pem"), "-----BEGIN CERTIFICATE-----\n"
        + "garbage\n-----END CERTIFICATE-----\n");
    ClusterHarness.await("the broken file is refused", 10_000,
        () -> logText().contains("the changed TLS files were not taken"));
    assertThat(servedSerial(port)).isEqualTo(rotated);
    Certificates.make(certs, "member", "3");
    ClusterHarness.await("node 3 serves the next certificate", 10_000,
        () -> !servedSerial(port).equals(rotated));
    // its peers still take it: it is the same CA's, naming the same member
    int leader = cluster.awaitLeader();
    Reply put = cluster.retrying(leader, "PUT", "/v1/kv/rotated", "ok");
    assertThat(put.status()).as(put.text()).isEqualTo(200);
    ClusterHarness.await("node 3 has the write after its rotation", 10_000, () ->
        cluster.get(3, "/v1/kv/rotated?consistency=stale").status() == 200);
  }

  @Test
  void aGatewayServesHttpsChecksTokensAndRelaysWatches() throws Exception {
    Certificates.make(certs, "gateway");
    int port = raftkv.testing.FreePorts.next();
    raftkv.config.NodeConfig config = TestConfigs.gateway(cluster.members()).gatewayPort(port)
        .tls(new TlsSettings(true, certs.resolve("gateway.pem").toString(),
            certs.resolve("gateway-key.pem").toString(), certs.resolve("ca.pem").toString(),
            RELOAD_CHECK_MS, "auto"))
        .auth(cluster.config(1).auth()).build();
    Vertx gatewayVertx = Vertx.vertx();
    try {
      gatewayVertx.deployVerticle(raftkv.gateway.Gateway.frontEnd(config))
          .timeout(10, TimeUnit.SECONDS).await();
      HttpClientAgent client = vertx.httpClientBuilder().with(new HttpClientOptions()
          .setSsl(true).setTrustOptions(new PemTrustOptions()
              .addCertPath(certs.resolve("ca.pem").toString()))).build();
      assertThat(request(client, port, "GET", "/v1/kv/g", null, null).status()).isEqualTo(401);
      ClusterHarness.await("the gateway takes a write", 10_000, () ->
          request(client, port, "PUT", "/v1/kv/g", WRITER, "through-the-gateway").status()
              == 200);
      assertThat(request(client, port, "PUT", "/v1/kv/g", READER, "no").status())
          .isEqualTo(403);
      Reply read = request(client, port, "GET", "/v1/kv/g", READER, null);
      assertThat(read.text()).isEqualTo("through-the-gateway");
      assertThat(request(client, port, "GET", "/v1/cluster", READER, null).json()
          .getJsonArray("nodes").getJsonObject(0).getString("clientUrl")).startsWith("https://");
      // a watch through the gateway: the member checks the reader's token, passed on
      String events = firstWatchEvent(client, port, "/v1/watch?key=g&fromRevision=1", READER);
      assertThat(events).contains("\"key\":\"g\"");
      assertThat(request(client, port, "GET", "/v1/watch?key=g", null, null).status())
          .isEqualTo(401);
    } finally {
      gatewayVertx.close().await();
    }
  }

  // ------------------------------------------------------------------ helpers

  /** The serial number of the certificate a new connection to {@code port} is shown. */
  private java.math.BigInteger servedSerial(int port) {
    HttpClientAgent client = vertx.httpClientBuilder().with(new HttpClientOptions().setSsl(true)
        .setKeepAlive(false).setTrustOptions(new PemTrustOptions()
            .addCertPath(certs.resolve("ca.pem").toString()))).build();
    try {
      return client.request(new RequestOptions().setHost(TestConfigs.HOST).setPort(port)
              .setURI("/health"))
          .compose(r -> r.send().compose(response -> response.body().map(b -> {
            try {
              return ((java.security.cert.X509Certificate) r.connection().peerCertificates()
                  .get(0)).getSerialNumber();
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
              throw new IllegalStateException(e);
            }
          })))
          .timeout(5, TimeUnit.SECONDS).await();
    } finally {
      client.close();
    }
  }

  private static Reply request(HttpClientAgent client, int port, String method, String uri,
      String token, String body) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(method))
        .setHost(TestConfigs.HOST).setPort(port).setURI(uri);
    if (token != null) options.putHeader("Authorization", "Bearer " + token);
    return client.request(options)
        .compose(r -> body == null ? r.send() : r.send(Buffer.buffer(body)))
        .compose(r -> r.body().map(b -> new Reply(r.statusCode(), r.headers(), b)))
        .timeout(10, TimeUnit.SECONDS).await();
  }

  /** Opens a watch and returns what it sent up to its first change, then closes it. */
  private static String firstWatchEvent(HttpClientAgent client, int port, String uri,
      String token) {
    io.vertx.core.Promise<String> first = io.vertx.core.Promise.promise();
    StringBuilder seen = new StringBuilder();
    client.request(new RequestOptions().setHost(TestConfigs.HOST).setPort(port).setURI(uri)
            .putHeader("Authorization", "Bearer " + token))
        .compose(r -> r.send())
        .onSuccess(response -> response.handler(chunk -> {
          seen.append(chunk.toString());
          if (seen.indexOf("data: {") >= 0 && seen.indexOf("\n\n") >= 0) {
            first.tryComplete(seen.toString());
            response.request().connection().close();
          }
        }))
        .onFailure(first::tryFail);
    return first.future().timeout(10, TimeUnit.SECONDS).await();
  }

  private Reply send(int node, String method, String uri, String token, String body) {
    // the harness gives its admin token to requests without one: "none" is a blank header
    return cluster.send(node, method, uri, body,
        "Authorization", token == null ? "" : "Bearer " + token);
  }

  private HttpClientAgent raftClient(String name) {
    return raftClient(certs.resolve(name), certs.resolve("ca.pem"));
  }

  private HttpClientAgent raftClient(Path certWithoutSuffix, Path ca) {
    String base = certWithoutSuffix.toString();
    return vertx.httpClientBuilder().with(new HttpClientOptions().setSsl(true)
        .setVerifyHost(false)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(base + ".pem")
            .setKeyPath(base + "-key.pem"))
        .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()))).build();
  }

  /** A stale vote answer (term 0), which the node takes and ignores. */
  private Reply postBatch(int raftPort, String cert, int from) {
    return send(raftClient(cert), raftPort, batchFrom(from), TestConfigs.TOKEN);
  }

  private static String batchFrom(int from) {
    return "{\"from\":" + from + ",\"to\":1,\"messages\":[{\"type\":\"vote-response\","
        + "\"term\":0,\"granted\":false,\"preVote\":false}]}";
  }

  private static Reply send(io.vertx.core.http.HttpClient client, int port, String body,
      String token) {
    return client.request(new RequestOptions().setMethod(HttpMethod.POST)
            .setHost(TestConfigs.HOST).setPort(port).setURI(RaftRpcServer.MESSAGES_PATH)
            .putHeader(RaftRpcServer.TOKEN_HEADER, token))
        .compose(r -> r.send(Buffer.buffer(body)))
        .compose(r -> r.body().map(b -> new Reply(r.statusCode(), r.headers(), b)))
        .timeout(5, TimeUnit.SECONDS).await();
  }

  private static void assertHandshakeFails(io.vertx.core.http.HttpClient client, int port) {
    assertThatThrownBy(() -> client.request(new RequestOptions().setHost(TestConfigs.HOST)
            .setPort(port).setURI(RaftRpcServer.HEALTH_PATH))
        .compose(r -> r.send()).timeout(5, TimeUnit.SECONDS).await())
        .as("a request to port " + port).isNotNull();
  }

  private String logText() {
    StringBuilder out = new StringBuilder();
    for (ILoggingEvent e : List.copyOf(log.list)) {
      out.append(e.getFormattedMessage()).append('\n');
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        out.append(t.getMessage()).append('\n');
      }
    }
    return out.toString();
  }

  /** Runs {@code scripts/tls-certs.sh}, as {@code ./cluster.sh start --tls} does. */
  static final class Certificates {
    static void make(Path dir, String... args) throws IOException, InterruptedException {
      List<String> command = new java.util.ArrayList<>(List.of("bash", "scripts/tls-certs.sh",
          args[0], dir.toString()));
      command.addAll(List.of(args).subList(1, args.length));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
    }
  }
}
