package raftkv.util;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

/**
 * Warnings that repeat (a peer that stays unreachable, a node that keeps timing out, a client
 * sending garbage) are logged once per topic and then at most once per interval, with the number
 * left out in between, so a long outage gives a few lines rather than one per request.
 *
 * <p>Not thread-safe: it belongs to one event loop.
 */
public final class QuietLog {

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Topic> topics = new HashMap<>();

  private static final class Topic {
    boolean loggedBefore;
    long lastLoggedNanos;
    long suppressed;
  }

  public QuietLog(Logger log, long intervalMs) {
    this(log, intervalMs, System::nanoTime);
  }

  /** With another clock, for tests. */
  QuietLog(Logger log, long intervalMs, LongSupplier nanoClock) {
    this.log = log;
    this.intervalNanos = intervalMs * 1_000_000;
    this.nanoClock = nanoClock;
  }

  /**
   * Logs at WARN ({@code format} as SLF4J's, with {@code args}) unless {@code topic} was logged
   * less than an interval ago; true if it logged. A trailing exception among the args is only
   * formatted, not logged with its stack trace: use {@link #error} for that.
   */
  public boolean warn(String topic, String format, Object... args) {
    long suppressed = admit(topic);
    if (suppressed < 0) return false;
    log.warn(withSuppressed(MessageFormatter.arrayFormat(format, args).getMessage(), suppressed));
    return true;
  }

  /** Logs {@code message} and {@code failure} at ERROR, as {@link #warn} does; true if it logged. */
  public boolean error(String topic, String message, Throwable failure) {
    long suppressed = admit(topic);
    if (suppressed < 0) return false;
    log.error(withSuppressed(message, suppressed), failure);
    return true;
  }

  private static String withSuppressed(String message, long suppressed) {
    return suppressed == 0 ? message
        : message + " (" + suppressed + " more like this since the last report)";
  }

  /** -1 to stay quiet; else how many messages of the topic were left out since the last one. */
  private long admit(String topic) {
    long now = nanoClock.getAsLong();
    Topic t = topics.computeIfAbsent(topic, k -> new Topic());
    if (t.loggedBefore && now - t.lastLoggedNanos < intervalNanos) {
      t.suppressed++;
      return -1;
    }
    long suppressed = t.suppressed;
    t.loggedBefore = true;
    t.lastLoggedNanos = now;
    t.suppressed = 0;
    return suppressed;
  }
}
