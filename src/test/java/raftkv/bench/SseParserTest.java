package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The watch benchmark's minimal Server-Sent Events parser. */
class SseParserTest {

  private record Event(SseParser.Kind kind, String data) {}

  private final List<Event> events = new ArrayList<>();
  private final SseParser parser = new SseParser((kind, data, from, to) ->
      events.add(new Event(kind, new String(data, from, to - from, StandardCharsets.UTF_8))));

  private static final String STREAM = """
      id: 7
      event: progress
      data: {"revision":7}

      id: 8
      data: {"type":"put","key":"wb/1","value":"AAAAAAAAAAE=","revision":8}

      event: resume
      data: {"fromRevision":9,"error":"too slow"}

      """;

  private void feed(String text) {
    parser.feed(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAWatchStreamsEventsWithTheirKinds() {
    feed(STREAM);

    assertThat(events).containsExactly(
        new Event(SseParser.Kind.PROGRESS, "{\"revision\":7}"),
        new Event(SseParser.Kind.MESSAGE,
            "{\"type\":\"put\",\"key\":\"wb/1\",\"value\":\"AAAAAAAAAAE=\",\"revision\":8}"),
        new Event(SseParser.Kind.RESUME, "{\"fromRevision\":9,\"error\":\"too slow\"}"));
  }

  @Property(tries = 200)
  void anySplitIntoChunksGivesTheSameEvents(@ForAll @IntRange(min = 1, max = 40) int chunk) {
    events.clear(); // the property's tries share this instance
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int from = 0; from < bytes.length; from += chunk) {
      parser.feed(bytes, from, Math.min(bytes.length, from + chunk));
    }

    assertThat(events).extracting(Event::kind).containsExactly(SseParser.Kind.PROGRESS,
        SseParser.Kind.MESSAGE, SseParser.Kind.RESUME);
    assertThat(events.get(1).data()).contains("\"value\":\"AAAAAAAAAAE=\"");
  }

  @Test
  void anEventIsDispatchedOnlyAtTheBlankLineThatEndsIt() {
    feed("data: {\"a\":1}\n");
    assertThat(events).isEmpty();

    feed("\n");
    assertThat(events).containsExactly(new Event(SseParser.Kind.MESSAGE, "{\"a\":1}"));
  }

  @Test
  void crlfLineEndsCommentsAndIdsAreHandled() {
    feed(": a comment\r\nid: 3\r\nevent: compacted\r\ndata:{\"x\":2}\r\n\r\n");

    assertThat(events).containsExactly(new Event(SseParser.Kind.COMPACTED, "{\"x\":2}"));
  }

  @Test
  void dataLinesAreJoinedWithNewlines() {
    feed("data: one\ndata: two\n\n");

    assertThat(events).containsExactly(new Event(SseParser.Kind.MESSAGE, "one\ntwo"));
  }

  @Test
  void anEventWithoutDataIsNotDispatchedAndItsNameDoesNotLeakIntoTheNext() {
    feed("event: progress\n\ndata: x\n\n");

    assertThat(events).containsExactly(new Event(SseParser.Kind.MESSAGE, "x"));
  }

  @Test
  void unknownEventNamesAreOther() {
    feed("event: ping\ndata: {}\n\nevent: message\ndata: y\n\n");

    assertThat(events).containsExactly(new Event(SseParser.Kind.OTHER, "{}"),
        new Event(SseParser.Kind.MESSAGE, "y"));
  }

  @Test
  void linesLongerThanTheInitialBuffersSurviveSplitting() {
    String big = "v".repeat(5000);
    feed("data: " + big.substring(0, 1000));
    feed(big.substring(1000) + "\n\n");

    assertThat(events).containsExactly(new Event(SseParser.Kind.MESSAGE, big));
  }
}
