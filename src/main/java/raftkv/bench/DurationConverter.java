package raftkv.bench;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code 500ms}, {@code 10s}, {@code 1.5s}, {@code 2m}; a bare number means seconds. */
public final class DurationConverter implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String text) {
    return parse(text);
  }

  public static Duration parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long unitNanos;
    String number;
    if (t.endsWith("ms")) {
      unitNanos = 1_000_000L;
      number = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      unitNanos = 1_000_000_000L;
      number = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      unitNanos = 60_000_000_000L;
      number = t.substring(0, t.length() - 1);
    } else if (t.endsWith("h")) {
      unitNanos = 3_600_000_000_000L;
      number = t.substring(0, t.length() - 1);
    } else {
      unitNanos = 1_000_000_000L;
      number = t;
    }
    double amount;
    try {
      amount = Double.parseDouble(number.trim());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + text + "' is not a duration (e.g. 500ms, 10s, 2m)");
    }
    if (!(amount >= 0) || Double.isInfinite(amount)) {
      throw new TypeConversionException("'" + text + "' is not a duration (e.g. 500ms, 10s, 2m)");
    }
    return Duration.ofNanos(Math.round(amount * unitNanos));
  }
}
