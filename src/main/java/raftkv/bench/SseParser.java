package raftkv.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental Server-Sent Events parser for one stream, minimal on purpose: a watch benchmark
 * feeds it every chunk of 10,000 streams, so it works on bytes, allocates nothing per event once
 * its buffers have grown, and leaves the JSON of the {@code data:} lines to its listener.
 *
 * <p>It follows the SSE framing: lines end in LF (a CR before it is dropped), {@code event:}
 * names the event, {@code data:} lines are joined with LF, an empty line dispatches the event if
 * it has data, lines starting with {@code :} are comments; {@code id:} and {@code retry:} are
 * ignored (the benchmark never resumes). Not thread-safe: one parser per stream, fed on its loop.
 */
final class SseParser {

  /** The event types of a raftkv watch stream; {@code MESSAGE} is a change. */
  enum Kind { MESSAGE, PROGRESS, RESUME, COMPACTED, OTHER }

  /** Gets every complete event; {@code data[from, to)} is valid only during the call. */
  interface Listener {
    void onEvent(Kind kind, byte[] data, int from, int to);
  }

  private static final byte[] DATA = ascii("data");
  private static final byte[] EVENT = ascii("event");
  private static final byte[] PROGRESS = ascii("progress");
  private static final byte[] RESUME = ascii("resume");
  private static final byte[] COMPACTED = ascii("compacted");
  private static final byte[] MESSAGE = ascii("message");

  private final Listener listener;
  /** A line that a chunk ended in the middle of. */
  private byte[] partial = new byte[256];
  private int partialLength;
  private byte[] data = new byte[256];
  private int dataLength;
  private boolean hasData;
  private Kind kind = Kind.MESSAGE;

  SseParser(Listener listener) {
    this.listener = listener;
  }

  /** Feeds the next bytes of the stream. */
  void feed(byte[] chunk, int from, int to) {
    int lineStart = from;
    for (int i = from; i < to; i++) {
      if (chunk[i] != '\n') continue;
      if (partialLength == 0) {
        line(chunk, lineStart, i); // the common case: a whole line inside one chunk, no copy
      } else {
        append(chunk, lineStart, i);
        line(partial, 0, partialLength);
        partialLength = 0;
      }
      lineStart = i + 1;
    }
    if (lineStart < to) append(chunk, lineStart, to);
  }

  void feed(byte[] chunk) {
    feed(chunk, 0, chunk.length);
  }

  private void append(byte[] chunk, int from, int to) {
    int length = to - from;
    if (partialLength + length > partial.length) {
      partial = Arrays.copyOf(partial, Math.max(partial.length * 2, partialLength + length));
    }
    System.arraycopy(chunk, from, partial, partialLength, length);
    partialLength += length;
  }

  private void line(byte[] b, int from, int to) {
    if (to > from && b[to - 1] == '\r') to--;
    if (to == from) {
      dispatch();
      return;
    }
    if (b[from] == ':') return; // a comment
    int colon = indexOf(b, from, to, (byte) ':');
    int nameEnd = colon < 0 ? to : colon;
    int valueStart = colon < 0 ? to : colon + 1;
    if (valueStart < to && b[valueStart] == ' ') valueStart++;
    if (equals(b, from, nameEnd, DATA)) {
      addData(b, valueStart, to);
    } else if (equals(b, from, nameEnd, EVENT)) {
      kind = kindOf(b, valueStart, to);
    }
  }

  private void addData(byte[] b, int from, int to) {
    int extra = (hasData ? 1 : 0) + to - from;
    if (dataLength + extra > data.length) {
      data = Arrays.copyOf(data, Math.max(data.length * 2, dataLength + extra));
    }
    if (hasData) data[dataLength++] = '\n';
    System.arraycopy(b, from, data, dataLength, to - from);
    dataLength += to - from;
    hasData = true;
  }

  private void dispatch() {
    if (hasData) listener.onEvent(kind, data, 0, dataLength);
    hasData = false;
    dataLength = 0;
    kind = Kind.MESSAGE;
  }

  static Kind kindOf(byte[] b, int from, int to) {
    if (from == to || equals(b, from, to, MESSAGE)) return Kind.MESSAGE;
    if (equals(b, from, to, PROGRESS)) return Kind.PROGRESS;
    if (equals(b, from, to, RESUME)) return Kind.RESUME;
    if (equals(b, from, to, COMPACTED)) return Kind.COMPACTED;
    return Kind.OTHER;
  }

  private static int indexOf(byte[] b, int from, int to, byte c) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) return i;
    }
    return -1;
  }

  private static boolean equals(byte[] b, int from, int to, byte[] word) {
    return Arrays.equals(b, from, to, word, 0, word.length);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
