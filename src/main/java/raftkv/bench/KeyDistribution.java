package raftkv.bench;

import java.util.SplittableRandom;

/** Picks key indexes in {@code [0, keys)}; the caller owns the random source, so a seed replays. */
interface KeyDistribution {

  long next(SplittableRandom random);

  static KeyDistribution uniform(long keys) {
    return random -> random.nextLong(keys);
  }
}
