package raftkv.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The watch benchmark's values: 8 bytes, big-endian, the {@link System#nanoTime()} at which the
 * write was sent. The writers and the watchers share one JVM, so a watcher's own nanoTime minus
 * the decoded one is the delivery latency.
 *
 * <p>A watcher gets the value base64-encoded inside a change's JSON; {@link #fromChangeJson}
 * finds and decodes it in place, without a JSON parser or any allocation, since it runs once per
 * delivered event (hundreds of thousands a second).
 */
final class SendTimeCodec {

  /** No send time: the event had no value (a delete), or not one of ours. */
  static final long NONE = Long.MIN_VALUE;

  private static final byte[] VALUE_FIELD = "\"value\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BASE64 = new byte[128];

  static {
    Arrays.fill(BASE64, (byte) -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < alphabet.length(); i++) BASE64[alphabet.charAt(i)] = (byte) i;
  }

  private SendTimeCodec() {}

  static byte[] encode(long nanos) {
    byte[] value = new byte[8];
    for (int i = 7; i >= 0; i--) {
      value[i] = (byte) nanos;
      nanos >>>= 8;
    }
    return value;
  }

  /** The time in a raw value of 8 bytes, or {@link #NONE} for any other length. */
  static long decode(byte[] value) {
    if (value.length != 8) return NONE;
    long nanos = 0;
    for (byte b : value) nanos = nanos << 8 | (b & 0xff);
    return nanos;
  }

  /**
   * The send time in the {@code "value"} field of a change's JSON ({@code json[from, to)}), or
   * {@link #NONE} when there is no such field or it does not hold 8 bytes of base64. It looks
   * for the first {@code "value"}: a key holding that text would be escaped in JSON ({@code
   * \"value\"}) and the benchmark's keys ({@code wb/N}) never hold it anyway.
   */
  static long fromChangeJson(byte[] json, int from, int to) {
    int at = indexOf(json, from, to, VALUE_FIELD);
    if (at < 0) return NONE;
    int i = skipSpaces(json, at + VALUE_FIELD.length, to);
    if (i >= to || json[i] != ':') return NONE;
    i = skipSpaces(json, i + 1, to);
    if (i >= to || json[i] != '"') return NONE;
    return decodeBase64(json, i + 1, to);
  }

  /** Decodes base64 from {@code from} up to the closing quote into exactly 8 bytes. */
  private static long decodeBase64(byte[] b, int from, int to) {
    long nanos = 0;
    int bits = 0;
    int acc = 0;
    int bytes = 0;
    for (int i = from; i < to; i++) {
      int c = b[i];
      if (c == '"') return bytes == 8 ? nanos : NONE;
      if (c == '=' || c == '\\') continue; // padding; a JSON writer may escape '/' as "\/"
      int sextet = c >= 0 && c < 128 ? BASE64[c] : -1;
      if (sextet < 0) return NONE;
      acc = (acc << 6 | sextet) & 0xfff; // 12 bits hold any pending remainder plus 6 new ones
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        if (++bytes > 8) return NONE;
        nanos = nanos << 8 | (acc >>> bits) & 0xff;
      }
    }
    return NONE; // no closing quote
  }

  private static int skipSpaces(byte[] b, int i, int to) {
    while (i < to && (b[i] == ' ' || b[i] == '\t')) i++;
    return i;
  }

  private static int indexOf(byte[] b, int from, int to, byte[] word) {
    int last = to - word.length;
    outer:
    for (int i = from; i <= last; i++) {
      for (int j = 0; j < word.length; j++) {
        if (b[i + j] != word[j]) continue outer;
      }
      return i;
    }
    return -1;
  }
}
