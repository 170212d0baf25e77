package raftkv.util;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A repeating warning is logged once per interval and topic, with the count left out. */
class QuietLogTest {

  private static final long MS = 1_000_000;

  private final Logger logger = (Logger) LoggerFactory.getLogger("quiet-log-test");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final AtomicLong now = new AtomicLong(0); // the first report at nanoTime 0 counts
  private final QuietLog quiet = new QuietLog(logger, 100, now::get);

  QuietLogTest() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
  }

  private List<String> logged() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void oncePerIntervalWithTheNumberLeftOut() {
    assertThat(quiet.warn("peer-2", "peer {} is down", 2)).isTrue();
    now.set(50 * MS);
    assertThat(quiet.warn("peer-2", "peer {} is down", 2)).isFalse();
    assertThat(quiet.warn("peer-2", "peer {} is down", 2)).isFalse();
    now.set(100 * MS);
    assertThat(quiet.warn("peer-2", "peer {} is down", 2)).isTrue();
    now.set(250 * MS);
    assertThat(quiet.warn("peer-2", "peer {} is down", 2)).isTrue();

    assertThat(logged()).containsExactly("peer 2 is down",
        "peer 2 is down (2 more like this since the last report)", "peer 2 is down");
  }

  @Test
  void topicsAreCountedApart() {
    assertThat(quiet.warn("a", "first a")).isTrue();
    assertThat(quiet.warn("b", "first b")).isTrue();
    assertThat(quiet.error("a", "an error", new IllegalStateException("x"))).isFalse();
    assertThat(logged()).containsExactly("first a", "first b");
    assertThat(appender.list.get(0).getLevel().toString()).isEqualTo("WARN");
  }
}
