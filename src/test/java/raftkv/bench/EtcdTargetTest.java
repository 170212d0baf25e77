package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static raftkv.bench.Runs.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.bench.FakeHttpServer.Received;
import raftkv.bench.FakeHttpServer.Reply;

/** The etcd v3 JSON gateway target, against a fake gateway. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class EtcdTargetTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PUT_OK = "{\"header\":{\"revision\":\"5\"}}";
  private static final String RANGE_HIT = "{\"header\":{},\"kvs\":[{\"key\":\"YQ==\","
      + "\"value\":\"Yg==\"}],\"count\":\"1\"}";
  private static final String RANGE_MISS = "{\"header\":{\"revision\":\"5\"}}";

  private static String decode(JsonNode base64) {
    return new String(Base64.getDecoder().decode(base64.asText()));
  }

  @Test
  void putsAndStaleRangesAreBase64JsonWithTheSerializableFlag(Vertx vertx) throws Exception {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> Reply.of(200,
        r.path().endsWith("/range") ? RANGE_HIT : PUT_OK));

    Report report = run("--target", "etcd", "--url", fake.url(), "--clients", "3",
        "--requests", "150", "--consistency", "stale", "--value-size", "20", "--keys", "100");

    List<Received> received = fake.received();
    assertThat(received).hasSize(150);
    assertThat(received).extracting(Received::method).containsOnly(HttpMethod.POST);
    assertThat(received).extracting(Received::path)
        .containsOnly("/v3/kv/put", "/v3/kv/range").contains("/v3/kv/put", "/v3/kv/range");
    for (Received r : received) {
      assertThat(r.contentType()).isEqualTo("application/json");
      JsonNode body = JSON.readTree(r.bodyText());
      assertThat(decode(body.get("key"))).matches("bench/[0-9]{2}");
      if (r.path().equals("/v3/kv/range")) {
        assertThat(body.get("serializable").asBoolean()).isTrue();
        assertThat(body.size()).isEqualTo(2);
      } else {
        assertThat(decode(body.get("value"))).matches("[!-~]{20}");
        assertThat(body.size()).isEqualTo(2);
      }
    }
    assertThat(report.ok()).isEqualTo(150);
    assertThat(report.readsNotFound()).isZero();
  }

  @Test
  void linearizableRangesCarryOnlyTheKey(Vertx vertx) throws Exception {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> Reply.of(200, RANGE_MISS));

    Report report = run("--target", "etcd", "--url", fake.url(), "--clients", "2",
        "--requests", "40", "--read-fraction", "1");

    for (Received r : fake.received()) {
      JsonNode body = JSON.readTree(r.bodyText());
      assertThat(body.size()).as(r.bodyText()).isEqualTo(1);
      assertThat(body.has("key")).isTrue();
    }
    assertThat(report.ok()).isEqualTo(40);
    assertThat(report.readsNotFound()).as("a range without kvs is an absent key").isEqualTo(40);
  }

  @Test
  void a200CarryingAnErrorIsAnErrorAndOtherStatusesAreByStatus(Vertx vertx) {
    // arrivals: every 5th is a 200 with an error body, every 4th (not 5th) a 503
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> r.n() % 5 == 0
        ? Reply.of(200, "{\"error\":\"etcdserver: too many requests\",\"code\":8,"
            + "\"message\":\"etcdserver: too many requests\"}")
        : r.n() % 4 == 0 ? Reply.of(503, "unavailable") : Reply.of(200, PUT_OK));

    Report report = run("--target", "etcd", "--url", fake.url(), "--clients", "2",
        "--requests", "100", "--read-fraction", "0");

    // n <= 100: twenty 5ths; twenty-five 4ths, five of which (20, 40, ...) are also 5ths
    assertThat(report.errorsByKind()).containsOnly(
        entry("HTTP 200 with error code 8", 20L), entry("HTTP 503", 20L));
    assertThat(report.ok()).isEqualTo(60);
  }
}
