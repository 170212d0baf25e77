package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The machine-readable RESULT line of the watch benchmark. */
class ResultLineTest {

  @Test
  void pairsKeepTheirOrderAndValuesHoldNoSpaces() {
    String line = new ResultLine().add("phase", "watch").add("watchers", 10_000)
        .add("writes_per_s", 15_234.567).add("label", "on a follower").add("none", (String) null)
        .toString();

    assertThat(line).isEqualTo(
        "RESULT phase=watch watchers=10000 writes_per_s=15234.57 label=on_a_follower none=-");
  }

  @Test
  void smallFractionsKeepFourSignificantDigitsAndUnknownsAreNaN() {
    assertThat(ResultLine.format(0.0421337)).isEqualTo("0.04213");
    assertThat(ResultLine.format(0.05)).isEqualTo("0.05");
    assertThat(ResultLine.format(0)).isEqualTo("0.00");
    assertThat(ResultLine.format(3.14159)).isEqualTo("3.14");
    assertThat(ResultLine.format(Double.NaN)).isEqualTo("NaN");
  }
}
