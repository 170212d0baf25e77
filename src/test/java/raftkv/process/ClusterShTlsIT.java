package raftkv.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.testing.TestHttp.Reply;

/**
 * {@code ./cluster.sh start --tls --auth} as a newcomer runs it: real processes with a throwaway
 * CA and three tokens. Clients speak HTTPS through the gateway and the nodes, each token gets
 * its role's answers, plain HTTP gets no answer, and {@code ./raftkv} finds the CA, the https
 * endpoints and the admin token by itself.
 */
class ClusterShTlsIT {

  private static final int BASE_PORT = 17_700;
  private static final int GATEWAY = BASE_PORT + 1000;

  @TempDir Path data;
  private final Vertx vertx = Vertx.vertx();
  private boolean started;

  @AfterEach
  void stop() throws Exception {
    try {
      if (started) ClusterSh.run(data, BASE_PORT, "stop");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void aLocalClusterWithTlsAndTokensServesHttpsAndChecksRoles() throws Exception {
    started = true; // a start that fails half-way leaves processes to stop
    String out = ClusterSh.run(data, BASE_PORT, "start", "3", "--tls", "--auth");
    assertThat(out).contains("raftkv is up").contains("https://127.0.0.1:" + GATEWAY);
    Path ca = data.resolve("tls/ca.pem");
    String writer = Files.readString(data.resolve("auth/read-write.token")).trim();
    String reader = Files.readString(data.resolve("auth/read.token")).trim();
    HttpClientAgent https = vertx.httpClientBuilder().with(new HttpClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()))).build();

    Reply put = send(https, GATEWAY, "PUT", "/v1/kv/greeting", writer, "hello");
    assertThat(put.status()).as(put.body().toString()).isEqualTo(200);
    Reply read = send(https, GATEWAY + 2, "GET", "/v1/kv/greeting", reader, null);
    assertThat(read.body().toString()).isEqualTo("hello");
    assertThat(send(https, GATEWAY + 1, "PUT", "/v1/kv/greeting", reader, "no").status())
        .isEqualTo(403);
    assertThat(send(https, GATEWAY, "GET", "/v1/kv/greeting", null, null).status())
        .isEqualTo(401);
    assertThatThrownBy(() -> send(vertx.createHttpClient(), GATEWAY + 1, "GET", "/health", null,
        null)).as("plain HTTP to a TLS port gets no answer").isNotNull();

    // ./raftkv takes the CA, the https endpoints and the admin token from the data directory
    ProcessBuilder cliBuilder = new ProcessBuilder(List.of(
        Path.of("raftkv").toAbsolutePath().toString(), "kv", "get", "greeting"))
        .redirectErrorStream(true);
    cliBuilder.environment().put("RAFTKV_DATA", data.toString());
    cliBuilder.environment().put("RAFTKV_BASE_PORT", Integer.toString(BASE_PORT));
    cliBuilder.environment().remove("RAFTKV_CACERT");
    cliBuilder.environment().remove("RAFTKV_TOKEN");
    cliBuilder.environment().remove("RAFTKV_ENDPOINTS");
    Process get = cliBuilder.start();
    String answer = new String(get.getInputStream().readAllBytes());
    assertThat(get.waitFor()).as(answer).isZero();
    assertThat(answer.trim()).isEqualTo("hello");

    assertThat(ClusterSh.run(data, BASE_PORT, "status")).contains("LEADER");
  }

  private static Reply send(io.vertx.core.http.HttpClient client, int port, String method,
      String uri, String token, String body) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(method))
        .setHost("127.0.0.1").setPort(port).setURI(uri);
    if (token != null) options.putHeader("Authorization", "Bearer " + token);
    return client.request(options)
        .compose(r -> body == null ? r.send() : r.send(Buffer.buffer(body)))
        .compose(r -> r.body().map(b -> new Reply(r.statusCode(), r.headers(), b)))
        .timeout(10, TimeUnit.SECONDS).await();
  }
}
