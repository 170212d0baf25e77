package raftkv.bench;

import java.util.SplittableRandom;

/**
 * What the load consists of: the key space, how keys are chosen, the read/write mix and the one
 * value every write sends.
 *
 * <p>Everything random comes from one seed. Each sender (a closed-loop client, or an open-loop
 * event loop) takes its own {@link Stream}, split from the seed in a fixed order, so the same seed
 * gives every sender the same sequence of operations however the network interleaves them.
 */
final class Workload {

  private final String keyPrefix;
  private final long keys;
  private final int keyDigits;
  private final double readFraction;
  private final KeyDistribution distribution;
  private final Scramble scramble;
  private final byte[] value;
  private final SplittableRandom streams;

  private Workload(String keyPrefix, long keys, double readFraction, KeyDistribution distribution,
      boolean scrambled, int valueSize, long seed) {
    this.keyPrefix = keyPrefix;
    this.keys = keys;
    this.keyDigits = Long.toString(Math.max(0, keys - 1)).length();
    this.readFraction = readFraction;
    this.distribution = distribution;
    SplittableRandom root = new SplittableRandom(seed);
    this.value = printableBytes(root.split(), valueSize);
    this.scramble = scrambled ? Scramble.seeded(root.split(), keys) : Scramble.NONE;
    this.streams = root.split();
  }

  static Workload of(LoadOptions options, long seed) {
    KeyDistribution distribution = switch (options.keyDist) {
      case zipfian -> new ZipfianGenerator(options.keys, options.zipfTheta);
      case sequential -> KeyDistribution.sequential(options.keys);
      case uniform -> KeyDistribution.uniform(options.keys);
    };
    return new Workload(options.keyPrefix, options.keys, options.readFraction, distribution,
        options.zipfScrambled, options.valueSize, seed);
  }

  static Workload of(String keyPrefix, long keys, double readFraction,
      KeyDistribution distribution, boolean scrambled, int valueSize, long seed) {
    return new Workload(keyPrefix, keys, readFraction, distribution, scrambled, valueSize, seed);
  }

  /** The next sender's operations; call in a fixed order so that a seed replays. */
  Stream newStream() {
    return new Stream(streams.split());
  }

  /** The value every write stores. */
  byte[] value() {
    return value.clone();
  }

  /** The key at {@code index}: the prefix and the zero-padded index, so keys sort numerically. */
  String key(long index) {
    String digits = Long.toString(index);
    StringBuilder key = new StringBuilder(keyPrefix.length() + keyDigits).append(keyPrefix);
    for (int i = digits.length(); i < keyDigits; i++) key.append('0');
    return key.append(digits).toString();
  }

  /** One sender's operations. Not thread-safe: it belongs to the event loop that sends them. */
  final class Stream {
    private final SplittableRandom random;

    private Stream(SplittableRandom random) {
      this.random = random;
    }

    Operation next() {
      Operation.Kind kind = random.nextDouble() < readFraction
          ? Operation.Kind.READ : Operation.Kind.WRITE;
      return new Operation(kind, key(scramble.apply(distribution.next(random))));
    }
  }

  /** Printable ASCII without the space, so values are easy to eyeball and never need quoting. */
  private static byte[] printableBytes(SplittableRandom random, int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) bytes[i] = (byte) random.nextInt('!', '~' + 1);
    return bytes;
  }

  /**
   * A bijection of {@code [0, n)}: {@code (a * i + b) mod n} with {@code gcd(a, n) = 1}. Unlike
   * YCSB's hash-then-modulo scrambling it has no collisions, so the Zipfian shares stay exact;
   * the hot ranks just land at scattered indexes instead of 0, 1, 2, ...
   */
  private record Scramble(long multiplier, long offset, long n) {
    static final Scramble NONE = new Scramble(1, 0, Long.MAX_VALUE);

    static Scramble seeded(SplittableRandom random, long n) {
      if (n == 1) return new Scramble(1, 0, 1);
      long multiplier;
      do {
        multiplier = 1 + random.nextLong(n - 1);
      } while (gcd(multiplier, n) != 1);
      return new Scramble(multiplier, random.nextLong(n), n);
    }

    long apply(long index) {
      if (this == NONE) return index;
      // LoadOptions keeps n below 2^31, so the product fits in a long
      return Math.floorMod(Math.multiplyExact(multiplier, index) + offset, n);
    }

    private static long gcd(long a, long b) {
      while (b != 0) {
        long t = a % b;
        a = b;
        b = t;
      }
      return a;
    }
  }
}
