package raftkv.bench;

import io.vertx.core.http.HttpClosedException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * How one request ended: a success (a read of an absent key is one, flagged {@code notFound}), or
 * an error of a named kind with an example of what came back, for the error table.
 */
record Outcome(boolean ok, boolean notFound, String errorKind, String example) {

  static final String TIMEOUT = "timeout";
  static final String CONNECTION_REFUSED = "connection refused";
  static final String CONNECT_ERROR = "connect error";
  static final String CONNECTION_CLOSED = "connection closed";
  static final String NOT_SENT = "not sent: too many outstanding";

  static final Outcome OK = new Outcome(true, false, null, null);
  static final Outcome NOT_FOUND = new Outcome(true, true, null, null);

  private static final int EXAMPLE_CHARS = 120;

  static Outcome error(String kind, String example) {
    return new Outcome(false, false, kind, example == null ? null : shorten(example));
  }

  static Outcome httpStatus(int status, String body) {
    return error("HTTP " + status, body);
  }

  /** Names a failure to get any answer; unknown failures are named by their exception class. */
  static Outcome failure(Throwable cause) {
    String message = String.valueOf(cause.getMessage());
    if (cause instanceof TimeoutException) return error(TIMEOUT, message);
    if (cause instanceof ConnectException) {
      return error(message.contains("Connection refused") ? CONNECTION_REFUSED : CONNECT_ERROR,
          message);
    }
    if (cause instanceof HttpClosedException) {
      return error(CONNECTION_CLOSED, message);
    }
    return error("error: " + cause.getClass().getSimpleName(), message);
  }

  private static String shorten(String text) {
    String oneLine = text.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= EXAMPLE_CHARS ? oneLine
        : oneLine.substring(0, EXAMPLE_CHARS) + "...";
  }
}
