package raftkv.frontend;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict percent-decoding of the parts of a request URI into text. Unlike the lenient decoders of
 * the JDK and Netty, it refuses what it cannot decode exactly: a {@code %} not followed by two hex
 * digits, and bytes that are not well-formed UTF-8 (so no key is silently changed into replacement
 * characters).
 *
 * <p>Characters that arrive unescaped are taken as they are. The HTTP server hands the request
 * line over as ISO-8859-1, one character per byte, so raw UTF-8 in a URI (as {@code curl} sends
 * it) comes back as the bytes it was.
 */
final class PercentDecoder {

  private PercentDecoder() {}

  /** Decodes a path segment; {@code +} stays a plus sign. */
  static String decodePath(String raw) {
    return decode(raw, false);
  }

  /** Decodes a query-string name or value; {@code +} means a space, as in HTML forms. */
  static String decodeQuery(String raw) {
    return decode(raw, true);
  }

  /**
   * @throws IllegalArgumentException when {@code raw} has a bad escape or is not UTF-8, with a
   *     message that says which
   */
  private static String decode(String raw, boolean plusIsSpace) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        bytes.write(escapedByte(raw, i));
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        bytes.write(' ');
      } else if (c <= 0xFF) {
        bytes.write(c);
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(utf8, 0, utf8.length);
      }
    }
    return utf8(bytes.toByteArray());
  }

  private static int escapedByte(String raw, int percentAt) {
    int high = percentAt + 1 < raw.length() ? hexDigit(raw.charAt(percentAt + 1)) : -1;
    int low = percentAt + 2 < raw.length() ? hexDigit(raw.charAt(percentAt + 2)) : -1;
    if (high < 0 || low < 0) {
      String escape = raw.substring(percentAt, Math.min(raw.length(), percentAt + 3));
      throw new IllegalArgumentException("invalid percent-encoding '" + escape + "'");
    }
    return high * 16 + low;
  }

  /** ASCII hex only: {@link Character#digit} would also take other scripts' digits. */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the percent-decoded bytes are not valid UTF-8");
    }
  }
}
