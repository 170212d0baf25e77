package raftkv.frontend;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query parameters of one request, checked strictly: unknown names, repeated names and bad
 * percent-encoding are errors (400), because silently ignoring a misspelt {@code prevRevision}
 * would turn a compare-and-set into an unconditional write.
 */
final class QueryParams {

  private final Map<String, String> values;

  private QueryParams(Map<String, String> values) {
    this.values = values;
  }

  /**
   * Parses a raw query string ({@code null} when the URI has none), accepting only the names in
   * {@code allowed}.
   *
   * @throws RejectedRequest (400) naming the problem
   */
  static QueryParams parse(String rawQuery, Set<String> allowed) {
    Map<String, String> values = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) return new QueryParams(values);
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!allowed.contains(name)) {
        throw RejectedRequest.badRequest("unknown parameter '" + name + "'"
            + (allowed.isEmpty() ? ": this request takes none"
                : " (this request takes: " + String.join(", ", new TreeSet<>(allowed)) + ")"));
      }
      if (values.put(name, value) != null) {
        throw RejectedRequest.badRequest("parameter '" + name + "' is given more than once");
      }
    }
    return new QueryParams(values);
  }

  private static String decode(String raw) {
    try {
      return PercentDecoder.decodeQuery(raw);
    } catch (IllegalArgumentException e) {
      throw RejectedRequest.badRequest("malformed query string: " + e.getMessage());
    }
  }

  /** The parameter's decoded value, or null when it is absent. */
  String get(String name) {
    return values.get(name);
  }

  /** A non-negative decimal integer, or {@code absent} when the parameter is not given. */
  long nonNegativeLong(String name, long absent) {
    String text = values.get(name);
    if (text == null) return absent;
    long value = parseDigits(text, Long.MAX_VALUE);
    if (value < 0) throw badNumber(name, text, "a non-negative integer");
    return value;
  }

  /**
   * A positive decimal integer, clamped to {@code max} however large it is written (a limit, where
   * asking for more than the server gives is no error); {@code absent} when not given.
   */
  int positiveIntAtMost(String name, int absent, int max) {
    String text = values.get(name);
    if (text == null) return absent;
    boolean digits = !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    if (!digits) throw badNumber(name, text, "a positive integer");
    String significant = text.replaceFirst("^0+", "");
    if (significant.isEmpty()) throw badNumber(name, text, "a positive integer");
    if (significant.length() > 10) return max;
    return (int) Math.min(Long.parseLong(significant), max);
  }

  /** One of two words; {@code absent} when the parameter is not given. */
  boolean choice(String name, String whenTrue, String whenFalse, boolean absent) {
    String text = values.get(name);
    if (text == null) return absent;
    if (text.equals(whenTrue)) return true;
    if (text.equals(whenFalse)) return false;
    throw RejectedRequest.badRequest(
        name + " must be '" + whenTrue + "' or '" + whenFalse + "', not '" + text + "'");
  }

  /** Plain decimal digits up to {@code max}; -1 for anything else (signs, spaces, overflow). */
  private static long parseDigits(String text, long max) {
    if (text.isEmpty() || text.length() > 19) return -1;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') return -1;
    }
    try {
      long value = Long.parseLong(text);
      return value <= max ? value : -1;
    } catch (NumberFormatException overflow) {
      return -1;
    }
  }

  private static RejectedRequest badNumber(String name, String text, String expected) {
    return RejectedRequest.badRequest(name + " must be " + expected + ", not '" + text + "'");
  }
}
