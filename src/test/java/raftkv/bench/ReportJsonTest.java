package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import raftkv.bench.FakeHttpServer.Reply;

/** {@code --json FILE}: everything a script needs to build tables, through the real command. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReportJsonTest {

  @Test
  void theJsonHoldsSettingsCountsPercentilesErrorsAndTheSeries(Vertx vertx, @TempDir Path dir)
      throws Exception {
    FakeHttpServer fake = FakeHttpServer.start(vertx,
        r -> r.n() % 4 == 0 ? Reply.of(503, "{\"error\":\"no leader\"}") : Reply.of(200, "{}"));
    Path file = dir.resolve("out/run.json");
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      exit = new CommandLine(new LoadCommand()).execute("--url", fake.url(), "--clients", "4",
          "--requests", "200", "--seed", "1234", "--label", "json-check", "--json",
          file.toString(), "--fail-on-errors");
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }

    assertThat(exit).as("errors with --fail-on-errors").isEqualTo(1);
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("[json-check]").contains("seed 1234").contains("RESULT: ERRORS!");
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.get("seed").asLong()).isEqualTo(1234);
    assertThat(json.get("settings").get("seed").asLong()).isEqualTo(1234);
    assertThat(json.get("settings").get("label").asText()).isEqualTo("json-check");
    assertThat(json.get("settings").get("clients").asInt()).isEqualTo(4);
    assertThat(json.get("requests").asLong()).isEqualTo(200);
    assertThat(json.get("ok").asLong()).isEqualTo(150);
    assertThat(json.get("errors").asLong()).isEqualTo(50);
    assertThat(json.get("errorsByKind").get("HTTP 503").asLong()).isEqualTo(50);
    assertThat(json.get("errorExamples").get("HTTP 503").asText()).contains("no leader");
    assertThat(json.get("okPerSecond").asDouble()).isPositive();
    JsonNode all = json.get("ops").get(2);
    assertThat(all.get("op").asText()).isEqualTo("all");
    for (String p : new String[] {"p50", "p90", "p99", "p999", "max", "mean"}) {
      assertThat(all.get("latencyMs").get(p).isNumber()).as(p).isTrue();
    }
    assertThat(all.get("latencyMs").get("p50").asDouble())
        .isLessThanOrEqualTo(all.get("latencyMs").get("max").asDouble());
    assertThat(json.get("perSecond").isArray()).isTrue();
    assertThat(json.get("perSecond").size()).isPositive();
    assertThat(json.get("warmup").get("errors").asLong()).isZero();
  }

  @Test
  void withoutFailOnErrorsAFailingRunStillExitsZero(Vertx vertx) {
    FakeHttpServer fake = FakeHttpServer.start(vertx, r -> Reply.of(500, "no"));
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      exit = new CommandLine(new LoadCommand()).execute("--url", fake.url(), "--clients", "1",
          "--requests", "5");
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    assertThat(exit).isZero();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("RESULT: ERRORS! 5 of 5 measured requests failed");
  }
}
