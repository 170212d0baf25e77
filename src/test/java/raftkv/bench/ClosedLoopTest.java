package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static raftkv.bench.Runs.row;
import static raftkv.bench.Runs.run;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.bench.FakeHttpServer.Received;
import raftkv.bench.FakeHttpServer.Reply;
import raftkv.testing.FreePorts;

/** The closed loop against a fake raftkv front end: concurrency, request shapes, error counts. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ClosedLoopTest {

  private static final Reply OK = Reply.of(200, "{\"revision\":1}");

  @Test
  void cClientsNeverHaveMoreThanCRequestsAtTheServerAndSendExactlyTheRequestedCount(Vertx vertx) {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> new Reply(200, "{}", 3));

    Report report = run("--url", fake.url(), "--clients", "8", "--event-loops", "2",
        "--requests", "400", "--read-fraction", "0");

    assertThat(fake.received()).hasSize(400);
    assertThat(fake.maxInFlight()).isLessThanOrEqualTo(8).isGreaterThan(1);
    assertThat(report.requests()).isEqualTo(400);
    assertThat(report.ok()).isEqualTo(400);
    assertThat(report.errors()).isZero();
    assertThat(report.ops().get(2).latencyMs().p50()).isGreaterThanOrEqualTo(3.0);
  }

  @Test
  void raftkvRequestsArePutsOfTheValueAndGetsWithTheAskedConsistency(Vertx vertx) {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> OK);

    Report report = run("--url", fake.url() + "/base/", "--clients", "4", "--requests", "200",
        "--read-fraction", "0.5", "--consistency", "stale", "--keys", "50", "--value-size", "32",
        "--seed", "7");

    List<Received> received = fake.received();
    assertThat(received).hasSize(200);
    List<Received> reads = received.stream().filter(r -> r.method() == HttpMethod.GET).toList();
    List<Received> writes = received.stream().filter(r -> r.method() == HttpMethod.PUT).toList();
    assertThat(reads).isNotEmpty();
    assertThat(writes).isNotEmpty();
    assertThat(reads.size() + writes.size()).isEqualTo(200);
    for (Received r : received) {
      assertThat(r.path()).matches("/base/v1/kv/bench%2F[0-9]{2}");
      String key = URLDecoder.decode(r.path().substring("/base/v1/kv/".length()),
          StandardCharsets.UTF_8);
      assertThat(Integer.parseInt(key.substring("bench/".length()))).isBetween(0, 49);
    }
    for (Received r : reads) {
      assertThat(r.query()).isEqualTo("consistency=stale");
      assertThat(r.body().length()).isZero();
    }
    String value = writes.get(0).bodyText();
    assertThat(value).hasSize(32).matches("[!-~]{32}");
    for (Received w : writes) {
      assertThat(w.query()).isNull();
      assertThat(w.bodyText()).isEqualTo(value);
      assertThat(w.contentType()).isEqualTo("application/octet-stream");
    }
    assertThat(row(report, "read").ok()).isEqualTo(reads.size());
    assertThat(row(report, "write").ok()).isEqualTo(writes.size());
  }

  @Test
  void linearizableIsTheDefaultConsistency(Vertx vertx) {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> OK);

    run("--url", fake.url(), "--clients", "2", "--requests", "20", "--read-fraction", "1");

    assertThat(fake.received()).extracting(Received::query)
        .containsOnly("consistency=linearizable");
  }

  @Test
  void errorsAreCountedExactlyByKind(Vertx vertx) {
    // every 10th arrival gets a 500; every 7th that is not a 10th is never answered
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> r.n() % 10 == 0
        ? Reply.of(500, "{\"error\":\"boom\"}")
        : r.n() % 7 == 0 ? Reply.NEVER : OK);

    Report report = run("--url", fake.url(), "--clients", "4", "--requests", "100",
        "--timeout-ms", "300", "--read-fraction", "0");

    // n <= 100: ten multiples of 10; fourteen multiples of 7, one of which (70) is also a 10th
    assertThat(fake.received()).hasSize(100);
    assertThat(report.errorsByKind()).containsOnly(
        org.assertj.core.api.Assertions.entry("HTTP 500", 10L),
        org.assertj.core.api.Assertions.entry(Outcome.TIMEOUT, 13L));
    assertThat(report.errorExamples().get("HTTP 500")).contains("boom");
    assertThat(report.errors()).isEqualTo(23);
    assertThat(report.ok()).isEqualTo(77);
    assertThat(report.requests()).isEqualTo(100);
    assertThat(row(report, "write").errors()).isEqualTo(23);
    String table = Runs.printed(report);
    assertThat(table).contains("errors by kind:").contains("HTTP 500").contains("timeout")
        .contains("RESULT: ERRORS! 23 of 100 measured requests failed");
  }

  @Test
  void aConnectionClosedInsteadOfAnAnswerIsAnErrorOfItsOwnKind(Vertx vertx) {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> r.n() % 5 == 0 ? Reply.CLOSE : OK);

    Report report = run("--url", fake.url(), "--clients", "2", "--requests", "100");

    assertThat(fake.received()).hasSize(100);
    assertThat(report.errorsByKind()).containsOnly(
        org.assertj.core.api.Assertions.entry(Outcome.CONNECTION_CLOSED, 20L));
    assertThat(report.ok()).isEqualTo(80);
  }

  @Test
  void aReadOfAnAbsentKeyIsASuccessButAWriteAnswered404IsAnError(Vertx vertx) {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> Reply.of(404, "{\"error\":\"no\"}"));

    Report report = run("--url", fake.url(), "--clients", "3", "--requests", "300",
        "--read-fraction", "0.5", "--seed", "11");

    long reads = fake.received().stream().filter(r -> r.method() == HttpMethod.GET).count();
    long writes = 300 - reads;
    assertThat(reads).isPositive();
    assertThat(writes).isPositive();
    assertThat(report.readsNotFound()).isEqualTo(reads);
    assertThat(row(report, "read").ok()).isEqualTo(reads);
    assertThat(row(report, "read").errors()).isZero();
    assertThat(report.errorsByKind()).containsOnlyKeys("HTTP 404");
    assertThat(report.errorsByKind().get("HTTP 404")).isEqualTo(writes);
  }

  @Test
  void aRefusedConnectionIsAnErrorOfItsOwnKind() throws Exception {
    int port = FreePorts.next(); // nothing listens there

    Report report = run("--url", "http://127.0.0.1:" + port, "--clients", "2", "--requests", "20");

    assertThat(report.ok()).isZero();
    assertThat(report.errorsByKind()).containsExactly(
        org.assertj.core.api.Assertions.entry(Outcome.CONNECTION_REFUSED, 20L));
  }

  @Test
  void warmUpRequestsAreSentButNotRecordedAndEveryRequestIsCountedSomewhere(Vertx vertx) {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> new Reply(200, "{}", 1));

    Report report = run("--url", fake.url(), "--clients", "2", "--duration", "600ms",
        "--warmup", "300ms");

    assertThat(report.warmup().requests()).isPositive();
    assertThat(report.requests()).isPositive();
    assertThat(report.warmup().requests() + report.requests()).isEqualTo(fake.received().size());
    assertThat(report.measuredSeconds()).isEqualTo(0.6);
    assertThat(report.warmupSeconds()).isEqualTo(0.3);
    assertThat(report.okPerSecond()).isEqualTo(Math.round(report.ok() / 0.6 * 10) / 10.0);
    assertThat(report.perSecond()).isNotEmpty();
  }

  @Test
  void requestsSpreadRoundRobinOverTheUrls(Vertx vertx) {
    FakeHttpServer a = FakeHttpServer.start(vertx, r -> OK);
    FakeHttpServer b = FakeHttpServer.start(vertx, r -> OK);

    run("--url", a.url() + "," + b.url(), "--clients", "3", "--requests", "90");

    assertThat(a.received()).hasSize(45);
    assertThat(b.received()).hasSize(45);
  }
}
