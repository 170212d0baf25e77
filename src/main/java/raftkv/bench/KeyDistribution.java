package raftkv.bench;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Picks key indexes in {@code [0, keys)}; the caller owns the random source, so a seed replays. */
interface KeyDistribution {

  long next(SplittableRandom random);

  static KeyDistribution uniform(long keys) {
    return random -> random.nextLong(keys);
  }

  /**
   * 0, 1, 2, ... shared by every sender (on any thread), wrapping at {@code keys}: N requests
   * over N keys write each key once, which is how a store is loaded to a known size.
   */
  static KeyDistribution sequential(long keys) {
    AtomicLong next = new AtomicLong();
    return random -> Math.floorMod(next.getAndIncrement(), keys);
  }
}
