package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The Gray et al. / YCSB Zipfian generator. */
class ZipfianGeneratorTest {

  private static final int SAMPLES = 200_000;

  private static long[] histogram(ZipfianGenerator zipf, long seed) {
    long[] counts = new long[(int) zipf.n()];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < SAMPLES; i++) counts[(int) zipf.next(random)]++;
    return counts;
  }

  @Test
  void theHottestKeysGetTheirTheoreticalShares() {
    ZipfianGenerator zipf = new ZipfianGenerator(1000, 0.99);
    double zeta = ZipfianGenerator.zeta(1000, 0.99);

    long[] counts = histogram(zipf, 42);

    // rank 0 has probability 1/zeta(n), rank 1 has 2^-theta/zeta(n): about 0.134 and 0.067;
    // the standard error of a share over 200,000 samples is under 0.001
    assertThat(zipf.hottestShare()).isCloseTo(1 / zeta, within(1e-12));
    assertThat((double) counts[0] / SAMPLES).isCloseTo(1 / zeta, within(0.005));
    assertThat((double) counts[1] / SAMPLES).isCloseTo(Math.pow(2, -0.99) / zeta, within(0.004));
    // skewed: the hottest 1% of keys take far more than 1% of the draws (theory: about 40%)
    long top10 = 0;
    for (int i = 0; i < 10; i++) top10 += counts[i];
    assertThat((double) top10 / SAMPLES).isGreaterThan(0.35);
    assertThat(counts[0]).isGreaterThan(counts[1]);
    assertThat(counts[1]).isGreaterThan(counts[9]);
    assertThat(counts[9]).isGreaterThan(counts[999]);
  }

  @Test
  void theSameSeedGivesTheSameRanks() {
    ZipfianGenerator zipf = new ZipfianGenerator(5000, 0.9);

    assertThat(histogram(zipf, 7)).isEqualTo(histogram(zipf, 7));
    SplittableRandom a = new SplittableRandom(3);
    SplittableRandom b = new SplittableRandom(3);
    for (int i = 0; i < 1000; i++) assertThat(zipf.next(a)).isEqualTo(zipf.next(b));
  }

  @Test
  void smallKeySpacesWork() {
    SplittableRandom random = new SplittableRandom(1);
    ZipfianGenerator one = new ZipfianGenerator(1, 0.99);
    ZipfianGenerator two = new ZipfianGenerator(2, 0.99);
    long ones = 0;
    for (int i = 0; i < 10_000; i++) {
      assertThat(one.next(random)).isZero();
      ones += two.next(random);
    }
    // P(rank 1) = 2^-0.99 / (1 + 2^-0.99), about 0.334
    assertThat(ones / 10_000.0).isCloseTo(0.334, within(0.03));
  }

  @Test
  void thetaOutsideTheOpenUnitIntervalIsRefused() {
    assertThatThrownBy(() -> new ZipfianGenerator(10, 1.0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ZipfianGenerator(10, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ZipfianGenerator(0, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 200)
  void ranksAreAlwaysInRange(@ForAll @LongRange(min = 1, max = 50_000) long n,
      @ForAll @DoubleRange(min = 0.01, max = 0.99) double theta, @ForAll long seed) {
    ZipfianGenerator zipf = new ZipfianGenerator(n, theta);
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < 500; i++) assertThat(zipf.next(random)).isBetween(0L, n - 1);
    assertThat(zipf.rank(0.0)).isZero();
    assertThat(zipf.rank(Math.nextDown(1.0))).isBetween(0L, n - 1);
  }
}
