package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The load command's options: defaults that depend on each other, and refusals that say why. */
class LoadOptionsTest {

  @Test
  void defaultsAreAClosedLoopForTenSecondsAfterATwoSecondWarmUp() {
    LoadOptions o = LoadOptions.parse();
    assertThat(o.openLoop()).isFalse();
    assertThat(o.effectiveClients()).isEqualTo(16);
    assertThat(o.effectiveDuration()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.effectiveWarmup()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.effectiveConnections()).isEqualTo(16);
    assertThat(o.endpoints()).extracting(Endpoint::port).containsExactly(8100);
    assertThat(o.keyPrefix).isEqualTo("bench/");
  }

  @Test
  void aRequestCountMeansNoDurationAndNoWarmUpUnlessAsked() {
    LoadOptions o = LoadOptions.parse("--requests", "100");
    assertThat(o.effectiveDuration()).isNull();
    assertThat(o.effectiveWarmup()).isEqualTo(Duration.ZERO);
    assertThat(LoadOptions.parse("--requests", "100", "--warmup", "1s").effectiveWarmup())
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void urlsMayBeRepeatedOrCommaSeparatedAndReplaceTheDefault() {
    LoadOptions o = LoadOptions.parse("--url", "http://127.0.0.1:1,http://127.0.0.1:2/x/",
        "--url", "http://[::1]:3", "--url", "https://localhost");
    assertThat(o.endpoints()).containsExactly(
        new Endpoint("127.0.0.1", 1, "", "http://127.0.0.1:1", false),
        new Endpoint("127.0.0.1", 2, "/x", "http://127.0.0.1:2/x/", false),
        new Endpoint("::1", 3, "", "http://[::1]:3", false),
        new Endpoint("localhost", 443, "", "https://localhost", true));
  }

  @Test
  void durationsReadUnits() {
    assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationConverter.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(DurationConverter.parse("7")).isEqualTo(Duration.ofSeconds(7));
    assertThatThrownBy(() -> DurationConverter.parse("soon"))
        .hasMessageContaining("not a duration");
  }

  @Test
  void contradictionsAndNonsenseAreRefusedByName() {
    assertThatThrownBy(() -> LoadOptions.parse("--clients", "2", "--rate", "10"))
        .hasMessageContaining("--clients").hasMessageContaining("--rate");
    assertThatThrownBy(() -> LoadOptions.parse("--duration", "1s", "--requests", "5"))
        .hasMessageContaining("--duration");
    assertThatThrownBy(() -> LoadOptions.parse("--read-fraction", "1.5"))
        .hasMessageContaining("--read-fraction");
    assertThatThrownBy(() -> LoadOptions.parse("--zipf-theta", "1"))
        .hasMessageContaining("--zipf-theta");
    assertThatThrownBy(() -> LoadOptions.parse("--url", "ftp://x:1"))
        .hasMessageContaining("only http:// and https://");
    assertThatThrownBy(() -> LoadOptions.parse("--key-dist", "pareto"))
        .isInstanceOf(CommandLine.ParameterException.class);
  }

  @Test
  void theCommandExitsWith2OnBadOptions() {
    int exit = new CommandLine(new LoadCommand())
        .setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()))
        .execute("--clients", "0");
    assertThat(exit).isEqualTo(2);
  }
}
