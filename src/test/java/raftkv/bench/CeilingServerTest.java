package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.testing.TestHttp.Reply;
import raftkv.testing.TestHttp;

/** The http-ceiling server, and the load tester against it with no errors. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CeilingServerTest {

  @Test
  void answersEveryRequestAndCarriesALoadRunWithoutErrors(Vertx vertx) {
    int port = CeilingServer.start(vertx, "127.0.0.1", 0, 2).await();
    TestHttp http = new TestHttp(vertx);

    Reply get = http.send(port, HttpMethod.GET, "/v1/kv/a", null);
    Reply put = http.send(port, HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("v"));
    Reply post = http.send(port, HttpMethod.POST, "/v3/kv/put", Buffer.buffer("{}"));

    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body().length()).isEqualTo(100);
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.text()).isEqualTo("{\"revision\":1}");
    assertThat(post.text()).isEqualTo("{\"revision\":1}");

    Report report = Runs.run("--url", "http://127.0.0.1:" + port, "--clients", "8",
        "--requests", "2000");
    assertThat(report.ok()).isEqualTo(2000);
    assertThat(report.totalErrors()).isZero();
    assertThat(Runs.printed(report)).contains("RESULT: no errors.");
  }
}
