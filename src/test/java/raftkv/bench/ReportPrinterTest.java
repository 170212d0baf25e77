package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict and the warnings at the end of the table. */
class ReportPrinterTest {

  private static Report.Second second(String phase, double interval, double perSecond) {
    return new Report.Second(0, interval, phase, (long) (perSecond * interval), perSecond, 0, 0,
        null, null, null);
  }

  private static Report report(long errors, long warmupErrors, List<Report.Second> series) {
    Map<String, Object> settings = LoadOptions.parse("--requests", "10").describe(1);
    return new Report(settings, 1, "send", 0, 1, 100, 100 - errors, errors, 100 - errors,
        List.of(), Map.of(), Map.of(), 0,
        new Report.Warmup(warmupErrors, 0, warmupErrors, Map.of(), Map.of()), null, series,
        List.of(new Report.Gap(12.5, 0.4, 1_700_000_000_400L), new Report.Gap(3, 0.2, 0)));
  }

  @Test
  void aCleanRunSaysSoAndAnyErrorIsLoud() {
    assertThat(ReportPrinter.verdict(report(0, 0, List.of()))).contains("RESULT: no errors.");
    assertThat(ReportPrinter.verdict(report(3, 0, List.of())))
        .contains("RESULT: ERRORS! 3 of 100 measured requests failed (3.000%)");
    assertThat(ReportPrinter.verdict(report(0, 2, List.of())))
        .contains("RESULT: ERRORS! 0 of 100").contains("and 2 during warm-up");
  }

  @Test
  void theLongestGapWithoutASuccessfulWriteIsPrinted() {
    assertThat(Runs.printed(report(0, 0, List.of())))
        .contains("longest gap without a successful write: 12.5 ms (ended 0.40 s into");
  }

  @Test
  void throughputThatKeepsClimbingIsFlaggedAsAWarmUpTooShort() {
    List<Report.Second> climbing = List.of(second("warmup", 1, 100), second("measure", 1, 1000),
        second("measure", 1, 2000), second("measure", 1, 3000), second("measure", 0.1, 50));
    List<Report.Second> flat = List.of(second("measure", 1, 1000), second("measure", 1, 1100),
        second("measure", 1, 1000), second("measure", 0.1, 50));

    assertThat(report(0, 0, climbing).stillWarmingUp()).isTrue();
    assertThat(report(0, 0, flat).stillWarmingUp()).isFalse();
    assertThat(Runs.printed(report(0, 0, climbing))).contains("still rising");
    assertThat(Runs.printed(report(0, 0, flat))).doesNotContain("still rising");
  }
}
