package raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import raftkv.raft.AppendEntries;
import raftkv.raft.AppendEntriesResponse;
import raftkv.raft.Entry;
import raftkv.raft.Message;
import raftkv.raft.RequestVote;
import raftkv.raft.RequestVoteResponse;

class RaftJsonTest {

  private static final String ENVELOPE = "{\"from\":1,\"to\":2,\"messages\":[%s]}";
  private static final String VOTE =
      "{\"type\":\"vote\",\"term\":4,\"lastLogIndex\":8,\"lastLogTerm\":3,\"preVote\":true}";
  private static final String APPEND = "{\"type\":\"append\",\"term\":3,\"prevLogIndex\":7,"
      + "\"prevLogTerm\":2,\"leaderCommit\":7,\"readSeq\":0,\"entries\":[%s]}";

  @Test
  void everyMessageTypeRoundTrips() throws Exception {
    List<Message> messages = List.of(
        new RequestVote(1, 2, 4, 8, 3, false),
        new RequestVote(1, 2, 4, 8, 3, true),
        new RequestVoteResponse(1, 2, 4, true, false),
        new RequestVoteResponse(1, 2, 5, false, true),
        new AppendEntries(1, 2, 3, 7, 2, List.of(), 7, 0),
        new AppendEntries(1, 2, 3, 7, 2, List.of(new Entry(8, 3, "put a 1")), 8, 12),
        AppendEntriesResponse.accept(1, 2, 3, 8, 12),
        AppendEntriesResponse.reject(1, 2, 3, 7, 5, 2, 0));

    assertThat(roundTrip(new Batch(1, 2, messages)).messages()).isEqualTo(messages);
  }

  @Test
  void commandsRoundTripVerbatim() throws Exception {
    List<String> commands = List.of("", "plain", "quotes \" and \\ backslash", "new\nline\ttab",
        "nul \u0000 and \u001f", "é ü ß", "日本語", "emoji 😀", "</script>", "{\"json\":[1,2]}",
        "lone surrogate \ud800 here");
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < commands.size(); i++) entries.add(new Entry(11 + i, 3, commands.get(i)));
    AppendEntries append = new AppendEntries(1, 2, 3, 10, 2, entries, 10, 0);

    assertThat(roundTrip(Batch.of(List.of(append))).messages()).containsExactly(append);
  }

  @Test
  void largeBatchesRoundTrip() throws Exception {
    List<Entry> entries = IntStream.rangeClosed(1, 20_000)
        .mapToObj(i -> new Entry(i, 7, "command number " + i)).toList();
    List<Message> messages = new ArrayList<>();
    messages.add(new AppendEntries(1, 2, 7, 0, 0, entries, 0, 0));
    for (int i = 0; i < 10_000; i++) messages.add(AppendEntriesResponse.accept(1, 2, 7, i, i));

    assertThat(roundTrip(new Batch(1, 2, messages)).messages()).isEqualTo(messages);
  }

  @Test
  void writesTheDocumentedFormat() {
    Batch batch = new Batch(1, 2, List.of(
        new AppendEntries(1, 2, 3, 7, 2, List.of(new Entry(8, 3, "x")), 7, 0),
        new RequestVote(1, 2, 4, 8, 3, true)));

    assertThat(RaftJson.encode(batch).toString(StandardCharsets.UTF_8)).isEqualTo(
        "{\"from\":1,\"to\":2,\"messages\":[{\"type\":\"append\",\"term\":3,\"prevLogIndex\":7,"
            + "\"prevLogTerm\":2,\"leaderCommit\":7,\"readSeq\":0,"
            + "\"entries\":[{\"index\":8,\"term\":3,\"command\":\"x\"}]},"
            + "{\"type\":\"vote\",\"term\":4,\"lastLogIndex\":8,\"lastLogTerm\":3,"
            + "\"preVote\":true}]}");
  }

  @Test
  void acceptsFieldsInAnyOrderAndRepeatedFromAndTo() throws Exception {
    String body = "{\"messages\":[{\"preVote\":false,\"granted\":true,\"to\":2,\"from\":1,"
        + "\"term\":9,\"type\":\"vote-response\"}],\"to\":2,\"from\":1}";

    assertThat(RaftJson.decode(bytes(body)).messages())
        .containsExactly(new RequestVoteResponse(1, 2, 9, true, false));
  }

  @Test
  void aBatchHoldsOnlyMessagesBetweenItsTwoNodes() {
    assertThatThrownBy(() -> new Batch(1, 2, List.of(new RequestVoteResponse(1, 3, 1, true,
        false)))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Batch(1, 2, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      not JSON               | {                                         | not valid JSON
      not an object          | []                                        | the body must be a JSON object
      trailing data          | `{"from":1,"to":2,"messages":[%VOTE]} x`  | not valid JSON
      second object          | `{"from":1,"to":2,"messages":[%VOTE]}{}`  | unexpected data after the JSON object
      no messages            | `{"from":1,"to":2,"messages":[]}`         | messages: must hold at least one message
      messages not an array  | `{"from":1,"to":2,"messages":{}}`         | messages: must be an array of messages, got an object
      missing from           | `{"to":2,"messages":[%VOTE]}`             | missing field 'from'
      missing messages       | `{"from":1,"to":2}`                       | missing field 'messages'
      unknown envelope field | `{"from":1,"to":2,"x":0,"messages":[%VOTE]}` | x: unknown field
      from zero              | `{"from":0,"to":2,"messages":[%VOTE]}`    | from: must be a node id (>= 1), got 0
      from negative          | `{"from":-1,"to":2,"messages":[%VOTE]}`   | from: must be a non-negative integer, got -1
      from a string          | `{"from":"1","to":2,"messages":[%VOTE]}`  | from: must be a non-negative integer, got a string
      from too big           | `{"from":4294967297,"to":2,"messages":[%VOTE]}` | from: must be a node id
      to twice               | `{"from":1,"to":2,"to":2,"messages":[%VOTE]}` | to: appears twice
      message not an object  | `{"from":1,"to":2,"messages":[1]}`        | messages[0]: must be a message object, got an integer
      unknown type           | `{"from":1,"to":2,"messages":[{"type":"snapshot","term":1}]}` | messages[0].type: unknown message type 'snapshot'
      type not a string      | `{"from":1,"to":2,"messages":[{"type":7}]}` | messages[0].type: must be a string, got an integer
      missing type           | `{"from":1,"to":2,"messages":[{"term":1}]}` | messages[0]: missing field 'type'
      missing field          | `{"from":1,"to":2,"messages":[{"type":"vote","term":1}]}` | messages[0]: vote message lacks field 'lastLogIndex'
      foreign field          | `{"from":1,"to":2,"messages":[{"type":"vote-response","term":1,"granted":true,"preVote":false,"success":true}]}` | messages[0]: vote-response message has no field 'success'
      unknown field          | `{"from":1,"to":2,"messages":[{"type":"vote","color":1}]}` | messages[0].color: unknown field
      field twice            | `{"from":1,"to":2,"messages":[{"type":"vote","term":1,"term":1}]}` | messages[0].term: appears twice
      negative term          | `{"from":1,"to":2,"messages":[{"type":"vote","term":-3}]}` | messages[0].term: must be a non-negative integer, got -3
      fractional term        | `{"from":1,"to":2,"messages":[{"type":"vote","term":3.0}]}` | messages[0].term: must be a non-negative integer, got a number with a fraction or exponent
      exponent term          | `{"from":1,"to":2,"messages":[{"type":"vote","term":1e3}]}` | messages[0].term: must be a non-negative integer, got a number with a fraction or exponent
      huge term              | `{"from":1,"to":2,"messages":[{"type":"vote","term":18446744073709551616}]}` | messages[0].term: must be a non-negative integer that fits in 64 bits
      null term              | `{"from":1,"to":2,"messages":[{"type":"vote","term":null}]}` | messages[0].term: must be a non-negative integer, got null
      string boolean         | `{"from":1,"to":2,"messages":[{"type":"vote","preVote":"true"}]}` | messages[0].preVote: must be true or false, got a string
      number boolean         | `{"from":1,"to":2,"messages":[{"type":"vote","preVote":1}]}` | messages[0].preVote: must be true or false, got an integer
      other sender           | `{"from":1,"to":2,"messages":[{"from":3,"type":"vote","term":4,"lastLogIndex":8,"lastLogTerm":3,"preVote":true}]}` | messages[0]: from 3 disagrees with the envelope's 1
      other receiver         | `{"from":1,"to":2,"messages":[{"to":3,"type":"vote","term":4,"lastLogIndex":8,"lastLogTerm":3,"preVote":true}]}` | messages[0]: to 3 disagrees with the envelope's 2
      entries not an array   | `{"from":1,"to":2,"messages":[{"type":"append","entries":"x"}]}` | messages[0].entries: must be an array of entries, got a string
      """)
  void rejectsMalformedBodies(String what, String body, String expectedMessage) {
    assertThatThrownBy(() -> RaftJson.decode(bytes(body.replace("%VOTE", VOTE))))
        .isInstanceOf(MalformedRpcException.class)
        .hasMessageContaining(expectedMessage);
  }

  /** The entries of an append whose prevLogIndex is 7, in term 3. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      not an object      | 7                                             | messages[0].entries[0]: must be an entry object, got an integer
      without command    | `{"index":8,"term":3}`                        | messages[0].entries[0]: missing field 'command'
      null command       | `{"index":8,"term":3,"command":null}`         | messages[0].entries[0].command: must be a string, got null
      index zero         | `{"index":0,"term":3,"command":""}`           | messages[0].entries[0]: entry index must be >= 1
      term zero          | `{"index":8,"term":0,"command":""}`           | messages[0].entries[0]: entry term must be >= 1
      unknown field      | `{"index":8,"term":3,"command":"","x":1}`     | messages[0].entries[0].x: unknown field
      field twice        | `{"index":8,"index":8,"term":3,"command":""}` | messages[0].entries[0].index: appears twice
      a gap              | `{"index":8,"term":3,"command":""},{"index":10,"term":3,"command":""}` | messages[0].entries[1]: index 10 does not follow prevLogIndex 7 (expected 9)
      not after prev     | `{"index":7,"term":3,"command":""}`           | messages[0].entries[0]: index 7 does not follow prevLogIndex 7 (expected 8)
      from the future    | `{"index":8,"term":4,"command":""}`           | messages[0].entries[0]: term 4 is above the message's 3
      terms going down   | `{"index":8,"term":3,"command":""},{"index":9,"term":2,"command":""}` | messages[0].entries[1]: term 2 is below the previous entry's 3
      """)
  void rejectsMalformedEntries(String what, String entries, String expectedMessage) {
    String body = ENVELOPE.formatted(APPEND.formatted(entries));

    assertThatThrownBy(() -> RaftJson.decode(bytes(body)))
        .isInstanceOf(MalformedRpcException.class)
        .hasMessageContaining(expectedMessage);
  }

  @Test
  void rejectsAnEmptyBodyAndBytesThatAreNotUtf8() {
    assertThatThrownBy(() -> RaftJson.decode(new byte[0]))
        .isInstanceOf(MalformedRpcException.class).hasMessage("the body is empty");
    assertThatThrownBy(() -> RaftJson.decode(Buffer.buffer()))
        .isInstanceOf(MalformedRpcException.class).hasMessage("the body is empty");
    byte[] badUtf8 = ENVELOPE.formatted(APPEND.formatted(
        "{\"index\":8,\"term\":3,\"command\":\"\u00ff\u00fe\"}")).getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> RaftJson.decode(badUtf8))
        .isInstanceOf(MalformedRpcException.class).hasMessageContaining("not valid JSON");
  }

  @Test
  void theDocumentedExampleIsValid() throws Exception {
    Batch batch = RaftJson.decode(bytes(ENVELOPE.formatted(
        APPEND.formatted("{\"index\":8,\"term\":3,\"command\":\"...\"}") + "," + VOTE)));

    assertThat(batch.messages()).containsExactly(
        new AppendEntries(1, 2, 3, 7, 2, List.of(new Entry(8, 3, "...")), 7, 0),
        new RequestVote(1, 2, 4, 8, 3, true));
  }

  private static Batch roundTrip(Batch batch) throws MalformedRpcException {
    Batch decoded = RaftJson.decode(RaftJson.encode(batch));
    assertThat(decoded.from()).isEqualTo(batch.from());
    assertThat(decoded.to()).isEqualTo(batch.to());
    return decoded;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
