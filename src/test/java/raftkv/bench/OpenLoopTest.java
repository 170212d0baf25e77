package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static raftkv.bench.Runs.run;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.bench.FakeHttpServer.Reply;

/** The open loop: a fixed schedule, latency from the schedule, and a cap that is never silent. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class OpenLoopTest {

  /** The server answers request 100 after a 300 ms pause; everything else at once. */
  private static FakeHttpServer stallingOnce(Vertx vertx) {
    return FakeHttpServer.start(vertx, r -> new Reply(200, "{}", r.n() == 100 ? 300 : 0));
  }

  @Test
  void aStallShowsInTheHighPercentilesBecauseLatencyCountsFromTheSchedule(Vertx vertx) {
    FakeHttpServer fake = stallingOnce(vertx);

    // one connection, so the server never holds more than one request: requests due during the
    // stall wait in the client, and their latency from the schedule still carries the stall
    Report report = run("--url", fake.url(), "--rate", "200", "--requests", "300",
        "--connections", "1", "--event-loops", "1");

    assertThat(fake.maxInFlight()).isEqualTo(1);
    assertThat(report.ok()).isEqualTo(300);
    assertThat(report.latencyFrom()).isEqualTo("schedule");
    Report.Percentiles all = Runs.row(report, "all").latencyMs();
    // about 60 requests were due during the 300 ms, so well over 1% saw most of the stall
    assertThat(all.p99()).isGreaterThanOrEqualTo(250);
    assertThat(all.max()).isGreaterThanOrEqualTo(290);
    assertThat(all.p50()).isLessThan(50);
    assertThat(report.sendLagMs()).isNotNull();
  }

  @Test
  void aClosedLoopShowsTheSameStallOnlyInItsMaximum(Vertx vertx) {
    FakeHttpServer fake = stallingOnce(vertx);

    // the contrast that the open loop exists for: one client waits out the stall and sends
    // nothing meanwhile, so a single sample carries it ("coordinated omission")
    Report report = run("--url", fake.url(), "--clients", "1", "--requests", "300");

    Report.Percentiles all = Runs.row(report, "all").latencyMs();
    assertThat(all.max()).isGreaterThanOrEqualTo(290);
    assertThat(all.p99()).isLessThan(250);
  }

  @Test
  void requestsDueWhileTheCapIsReachedAreCountedAsNotSent(Vertx vertx) {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> Reply.NEVER);

    // 50 requests due within 49 ms; none can be answered before the 1 s timeout
    Report report = run("--url", fake.url(), "--rate", "1000", "--requests", "50",
        "--max-outstanding", "10", "--connections", "10", "--timeout-ms", "1000");

    assertThat(fake.received()).hasSize(10);
    assertThat(report.requests()).isEqualTo(50);
    assertThat(report.ok()).isZero();
    assertThat(report.errorsByKind()).containsOnly(
        entry(Outcome.NOT_SENT, 40L), entry(Outcome.TIMEOUT, 10L));
  }

  @Test
  void theRateIsKeptAndEveryScheduledRequestIsSent(Vertx vertx) {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> Reply.of(200, "{}"));

    long start = System.nanoTime();
    Report report = run("--url", fake.url(), "--rate", "400", "--requests", "200");
    double seconds = (System.nanoTime() - start) / 1e9;

    assertThat(fake.received()).hasSize(200);
    assertThat(report.ok()).isEqualTo(200);
    // 200 requests at 400/s are due over 0.4975 s: the run cannot be shorter than that
    assertThat(seconds).isGreaterThan(0.49);
    assertThat(report.measuredSeconds()).isBetween(0.49, 1.5);
  }
}
