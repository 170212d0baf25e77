package raftkv.frontend;

import java.nio.charset.StandardCharsets;

/** Percent-encoding for what the front end writes into URIs and headers: pure ASCII out. */
final class PercentEncoder {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private PercentEncoder() {}

  /**
   * A key as a query value ({@code after=}) or header value ({@code X-Next-After}): UTF-8, with
   * every byte other than an unreserved character or {@code /} percent-encoded.
   */
  static String encodeKey(String key) {
    StringBuilder out = new StringBuilder(key.length() + 16);
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if (isUnreserved(c) || c == '/') {
        out.append((char) c);
      } else {
        escape(out, c);
      }
    }
    return out.toString();
  }

  /**
   * A request URI as the server received it, made ASCII for sending on: the server hands the
   * request line over one character per byte (ISO-8859-1), so raw UTF-8 (as {@code curl} sends
   * {@code é}) arrives as characters 0x80..0xFF; those are percent-encoded as the bytes they
   * were, which every decoder of this front end reads as the same text. Without this, an HTTP
   * client would re-encode each such character as two UTF-8 bytes and change the key.
   */
  static String asciiUri(String receivedUri) {
    int i = 0;
    while (i < receivedUri.length() && receivedUri.charAt(i) < 0x80) i++;
    if (i == receivedUri.length()) return receivedUri;
    StringBuilder out = new StringBuilder(receivedUri.length() + 16);
    out.append(receivedUri, 0, i);
    for (; i < receivedUri.length(); i++) {
      char c = receivedUri.charAt(i);
      if (c < 0x80) {
        out.append(c);
      } else if (c <= 0xFF) {
        escape(out, c);
      } else {
        for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) escape(out, b & 0xFF);
      }
    }
    return out.toString();
  }

  private static boolean isUnreserved(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  private static void escape(StringBuilder out, int b) {
    out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
  }
}
