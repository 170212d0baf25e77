package raftkv.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * The one machine-readable line a benchmark ends with: {@code RESULT key=value key=value ...},
 * in the order the pairs were added, for scripts to pick fields out with {@code grep} and {@code
 * sed}. Values never hold spaces (they are replaced by '_'); doubles get two
 * decimals (see {@link #format}), unknown ones NaN.
 */
final class ResultLine {

  private final StringBuilder line = new StringBuilder("RESULT");

  ResultLine add(String key, long value) {
    return put(key, Long.toString(value));
  }

  ResultLine add(String key, double value) {
    return put(key, format(value));
  }

  /** Two decimals, but four significant digits below 1 (CPU ms per request is often 0.0x). */
  static String format(double value) {
    if (!Double.isFinite(value)) return "NaN";
    if (value == 0 || Math.abs(value) >= 1) return String.format(Locale.ROOT, "%.2f", value);
    return new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }

  ResultLine add(String key, String value) {
    return put(key, value == null || value.isEmpty() ? "-" : value.replaceAll("\\s", "_"));
  }

  private ResultLine put(String key, String value) {
    line.append(' ').append(key).append('=').append(value);
    return this;
  }

  @Override
  public String toString() {
    return line.toString();
  }
}
