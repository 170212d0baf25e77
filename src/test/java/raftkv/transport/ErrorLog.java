package raftkv.transport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects what is logged at ERROR, by anyone (Vert.x included), while it is attached. */
final class ErrorLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

  static ErrorLog attach() {
    ErrorLog log = new ErrorLog();
    log.start();
    log.root.addAppender(log);
    return log;
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
      errors.add(event.getLoggerName() + ": " + event.getFormattedMessage());
    }
  }

  List<String> errors() {
    synchronized (errors) {
      return List.copyOf(errors);
    }
  }

  @Override
  public void close() {
    root.detachAppender(this);
    stop();
  }
}
