package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The http-ceiling server, and the load tester against it with no errors. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CeilingServerTest {

  @Test
  void answersEveryRequestAndCarriesALoadRunWithoutErrors(Vertx vertx) {
    int port = CeilingServer.start(vertx, "127.0.0.1", 0, 2).await();
    WebClient client = WebClient.create(vertx);

    HttpResponse<Buffer> get = client.get(port, "127.0.0.1", "/v1/kv/a").send().await();
    HttpResponse<Buffer> put = client.put(port, "127.0.0.1", "/v1/kv/a")
        .sendBuffer(Buffer.buffer("v")).await();
    HttpResponse<Buffer> post = client.post(port, "127.0.0.1", "/v3/kv/put")
        .sendBuffer(Buffer.buffer("{}")).await();

    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.body().length()).isEqualTo(100);
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.bodyAsString()).isEqualTo("{\"revision\":1}");
    assertThat(post.bodyAsString()).isEqualTo("{\"revision\":1}");

    Report report = Runs.run("--url", "http://127.0.0.1:" + port, "--clients", "8",
        "--requests", "2000");
    assertThat(report.ok()).isEqualTo(2000);
    assertThat(report.totalErrors()).isZero();
    assertThat(Runs.printed(report)).contains("RESULT: no errors.");
  }
}
