package raftkv.bench;

import java.util.SplittableRandom;

/**
 * Zipfian ranks in {@code [0, n)}: rank {@code k} is drawn with probability proportional to
 * {@code 1 / (k + 1)^theta}, so rank 0 is the hottest.
 *
 * <p>This is the generator of Gray et al., "Quickly Generating Billion-Record Synthetic
 * Databases" (SIGMOD 1994), in the form YCSB's {@code ZipfianGenerator} uses: one uniform draw
 * per rank and no table. Ranks 0 and 1 come out with exactly their Zipfian probabilities ({@code
 * 1/zeta(n)} and {@code 2^-theta/zeta(n)}); the rest follow the paper's closed-form
 * approximation. The algorithm needs {@code 0 < theta < 1}; YCSB's default is 0.99.
 *
 * <p>It is not scrambled: the hot keys are the low indexes. {@link Workload} can map ranks
 * through a seeded bijection when the hot keys should be spread over the key space.
 */
final class ZipfianGenerator implements KeyDistribution {

  private final long n;
  private final double theta;
  private final double zetaN;
  private final double alpha;
  private final double eta;
  private final double rankOneBound;

  ZipfianGenerator(long n, double theta) {
    if (n < 1) throw new IllegalArgumentException("n must be at least 1, not " + n);
    if (!(theta > 0 && theta < 1)) {
      throw new IllegalArgumentException("theta must be in (0, 1), not " + theta);
    }
    this.n = n;
    this.theta = theta;
    this.zetaN = zeta(n, theta);
    this.alpha = 1.0 / (1.0 - theta);
    this.rankOneBound = 1.0 + Math.pow(0.5, theta);
    // eta is only reached for n > 2 (ranks 0 and 1 cover everything below), where it is finite.
    this.eta = n > 2
        ? (1.0 - Math.pow(2.0 / n, 1.0 - theta)) / (1.0 - zeta(2, theta) / zetaN)
        : 0.0;
  }

  /** {@code sum_{i=1..n} 1/i^theta}: O(n), computed once (about 0.1 s per ten million keys). */
  static double zeta(long n, double theta) {
    double sum = 0;
    for (long i = 1; i <= n; i++) sum += 1.0 / Math.pow(i, theta);
    return sum;
  }

  /** The probability of rank 0, the hottest: {@code 1/zeta(n, theta)}. */
  double hottestShare() {
    return 1.0 / zetaN;
  }

  long n() {
    return n;
  }

  double theta() {
    return theta;
  }

  /** The rank for one uniform draw {@code u} in {@code [0, 1)}. */
  long rank(double u) {
    double uz = u * zetaN;
    if (uz < 1.0) return 0;
    if (uz < rankOneBound || n == 2) return Math.min(1, n - 1);
    long rank = (long) (n * Math.pow(eta * u - eta + 1.0, alpha));
    // the formula stays below n for u < 1, but floating point must not push a rank out of range
    return Math.max(0, Math.min(rank, n - 1));
  }

  @Override
  public long next(SplittableRandom random) {
    return rank(random.nextDouble());
  }
}
