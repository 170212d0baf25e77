package raftkv.server;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Warnings that repeat (a peer that stays unreachable, a node that keeps timing out) are logged
 * once per topic and then at most once per interval, with the number left out in between, so a
 * long outage gives a few lines rather than one per request.
 *
 * <p>Not thread-safe: it belongs to one verticle's event loop.
 */
final class QuietLog {

  private final Logger log;
  private final long intervalNanos;
  private final Map<String, Topic> topics = new HashMap<>();

  private static final class Topic {
    long lastLoggedNanos;
    long suppressed;
  }

  QuietLog(Logger log, long intervalMs) {
    this.log = log;
    this.intervalNanos = intervalMs * 1_000_000;
  }

  /** Logs {@code message} at WARN unless {@code topic} was logged less than an interval ago. */
  void warn(String topic, String message) {
    long suppressed = admit(topic);
    if (suppressed == 0) log.warn(message);
    if (suppressed > 0) {
      log.warn("{} ({} more like this since the last report)", message, suppressed);
    }
  }

  /** Logs {@code message} and {@code failure} at ERROR, as {@link #warn} does. */
  void error(String topic, String message, Throwable failure) {
    long suppressed = admit(topic);
    if (suppressed == 0) log.error(message, failure);
    if (suppressed > 0) {
      log.error("{} ({} more like this since the last report)", message, suppressed, failure);
    }
  }

  /** -1 to stay quiet; else how many messages of the topic were left out since the last one. */
  private long admit(String topic) {
    long now = System.nanoTime();
    Topic t = topics.computeIfAbsent(topic, k -> new Topic());
    if (t.lastLoggedNanos != 0 && now - t.lastLoggedNanos < intervalNanos) {
      t.suppressed++;
      return -1;
    }
    long suppressed = t.suppressed;
    t.lastLoggedNanos = now;
    t.suppressed = 0;
    return suppressed;
  }
}
