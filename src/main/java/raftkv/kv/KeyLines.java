package raftkv.kv;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * Reads a snapshot's key line in exactly the form {@link KvSnapshot} writes it,
 * {@code {"key":"...","value":"...","create":1,"mod":2,"version":3}} (then {@code ,"lease":4} for a
 * key attached to a lease), without a JSON parser: a
 * restart reads a million of them, and this is several times faster. A line in any other form
 * (a key with escapes, fields in another order, spaces) is left to the JSON parser, which reads
 * every valid line; both give the same key.
 */
final class KeyLines {

  private static final byte[] KEY = "{\"key\":\"".getBytes(UTF_8);
  private static final byte[] VALUE = "\",\"value\":\"".getBytes(UTF_8);
  private static final byte[] CREATE = "\",\"create\":".getBytes(UTF_8);
  private static final byte[] MOD = ",\"mod\":".getBytes(UTF_8);
  private static final byte[] VERSION = ",\"version\":".getBytes(UTF_8);
  private static final byte[] LEASE = ",\"lease\":".getBytes(UTF_8);

  private KeyLines() {}

  /** The key the line holds, or null when it is not in the plain written form. */
  static KeyValue decode(byte[] b, int offset, int length) {
    int end = offset + length;
    int p = skip(b, offset, end, KEY);
    if (p < 0) return null;
    int keyEnd = quote(b, p, end);
    if (keyEnd < 0) return null;
    String key = new String(b, p, keyEnd - p, UTF_8);
    p = skip(b, keyEnd, end, VALUE);
    if (p < 0) return null;
    int valueEnd = quote(b, p, end);
    if (valueEnd < 0) return null;
    byte[] value;
    try {
      ByteBuffer decoded = Base64.getDecoder().decode(ByteBuffer.wrap(b, p, valueEnd - p));
      value = decoded.hasArray() && decoded.arrayOffset() == 0
          && decoded.remaining() == decoded.array().length
          ? decoded.array() : copy(decoded);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
    p = skip(b, valueEnd, end, CREATE);
    long[] number = new long[1];
    if (p < 0 || (p = number(b, p, end, number)) < 0) return null;
    long create = number[0];
    p = skip(b, p, end, MOD);
    if (p < 0 || (p = number(b, p, end, number)) < 0) return null;
    long mod = number[0];
    p = skip(b, p, end, VERSION);
    if (p < 0 || (p = number(b, p, end, number)) < 0) return null;
    long version = number[0];
    long lease = 0;
    int leaseAt = skip(b, p, end, LEASE);
    if (leaseAt >= 0) {
      if ((p = number(b, leaseAt, end, number)) < 0) return null;
      lease = number[0];
    }
    if (p != end - 1 || b[p] != '}') return null;
    try {
      return new KeyValue(key, value, create, mod, version, lease);
    } catch (IllegalArgumentException inconsistent) {
      return null; // the JSON path reports it
    }
  }

  /** The position after {@code literal} at {@code p}, or -1. */
  private static int skip(byte[] b, int p, int end, byte[] literal) {
    if (end - p < literal.length) return -1;
    for (int i = 0; i < literal.length; i++) {
      if (b[p + i] != literal[i]) return -1;
    }
    return p + literal.length;
  }

  /** The position of the closing quote of a string without escapes, or -1. */
  private static int quote(byte[] b, int p, int end) {
    for (int i = p; i < end; i++) {
      if (b[i] == '"') return i;
      if (b[i] == '\\' || (b[i] >= 0 && b[i] < 0x20)) return -1;
    }
    return -1;
  }

  /** Reads up to 18 digits into {@code out[0]}; the position after them, or -1. */
  private static int number(byte[] b, int p, int end, long[] out) {
    long n = 0;
    int i = p;
    while (i < end && b[i] >= '0' && b[i] <= '9' && i - p < 18) {
      n = n * 10 + (b[i] - '0');
      i++;
    }
    if (i == p || (i < end && b[i] >= '0' && b[i] <= '9')) return -1;
    if (b[p] == '0' && i - p > 1) return -1; // JSON has no leading zeros
    out[0] = n;
    return i;
  }

  private static byte[] copy(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.get(out);
    return out;
  }
}
