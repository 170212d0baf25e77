package raftkv.kv;

/**
 * A 64-bit FNV-1a hash with a final avalanche (MurmurHash3's fmix64): fast, deterministic on
 * every JVM, and good enough to tell two requests apart by accident (not against someone who
 * crafts collisions on purpose, who could only confuse their own request ids). Every part is
 * length-prefixed, so ("ab", "c") and ("a", "bc") differ.
 */
final class Fingerprint {

  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private Fingerprint() {}

  static long start() {
    return OFFSET;
  }

  static long add(long h, long value) {
    for (int shift = 0; shift < 64; shift += 8) h = (h ^ ((value >>> shift) & 0xff)) * PRIME;
    return h;
  }

  static long add(long h, String s) {
    h = add(h, s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      h = (h ^ (c & 0xff)) * PRIME;
      h = (h ^ (c >>> 8)) * PRIME;
    }
    return h;
  }

  static long add(long h, byte[] bytes) {
    h = add(h, bytes.length);
    for (byte b : bytes) h = (h ^ (b & 0xff)) * PRIME;
    return h;
  }

  static long finish(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb93fe53a87c5L;
    h ^= h >>> 33;
    return h;
  }
}
