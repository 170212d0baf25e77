package raftkv.transport;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import raftkv.raft.AppendEntries;
import raftkv.raft.AppendEntriesResponse;
import raftkv.raft.Entry;
import raftkv.raft.Message;
import raftkv.raft.RequestVote;
import raftkv.raft.RequestVoteResponse;
import raftkv.raft.TimeoutNow;
import raftkv.transport.WireFormat.Field;
import raftkv.transport.WireFormat.Type;

/**
 * Reads a {@link Batch} from the JSON of {@link WireFormat}, strictly: anything that is not
 * exactly a batch of well-formed messages is a {@link MalformedRpcException} naming the place,
 * and nothing else is ever thrown, whatever the bytes. A peer's mistake must never reach the
 * Raft core, which treats impossible input as a bug of its own.
 *
 * <p>A streaming parser reads the body once; each message's fields are collected in a
 * {@link Draft} and become a record when the envelope is complete (JSON does not fix the order
 * of fields, so the envelope's {@code from} and {@code to} may come after the messages).
 */
final class BatchReader {

  private final JsonParser in;
  // Where the parser is, for error messages: -1 when outside messages or entries.
  private int messageIndex = -1;
  private int entryIndex = -1;
  private String fieldName;

  private BatchReader(JsonParser in) {
    this.in = in;
  }

  static Batch read(byte[] body) throws MalformedRpcException {
    try (JsonParser parser = RaftJson.FACTORY.createParser(body)) {
      return new BatchReader(parser).readBatch();
    } catch (JsonProcessingException e) {
      throw new MalformedRpcException("not valid JSON: " + e.getOriginalMessage()
          + " (at byte " + e.getLocation().getByteOffset() + ")");
    } catch (IOException e) {
      // Jackson reports undecodable bytes (bad UTF-8, say) as plain IOExceptions
      throw new MalformedRpcException("not valid JSON: " + e.getMessage());
    }
  }

  private Batch readBatch() throws IOException, MalformedRpcException {
    if (in.nextToken() != JsonToken.START_OBJECT) {
      throw malformed("the body must be a JSON object, got " + describe(in.currentToken()));
    }
    int from = 0;
    int to = 0;
    List<Draft> drafts = null;
    while (in.nextToken() == JsonToken.FIELD_NAME) {
      fieldName = in.currentName();
      in.nextToken();
      switch (fieldName) {
        case "from" -> from = readNodeId(from);
        case "to" -> to = readNodeId(to);
        case "messages" -> drafts = readMessages(drafts);
        default -> throw malformed("unknown field (expected from, to, messages)");
      }
    }
    fieldName = null;
    if (in.nextToken() != null) throw malformed("unexpected data after the JSON object");
    if (from == 0) throw malformed("missing field 'from'");
    if (to == 0) throw malformed("missing field 'to'");
    if (drafts == null) throw malformed("missing field 'messages'");
    return new Batch(from, to, build(drafts, from, to));
  }

  private List<Draft> readMessages(List<Draft> earlier) throws IOException, MalformedRpcException {
    if (earlier != null) throw malformed("appears twice");
    expect(JsonToken.START_ARRAY, "an array of messages");
    List<Draft> drafts = new ArrayList<>();
    while (in.nextToken() != JsonToken.END_ARRAY) {
      messageIndex = drafts.size();
      fieldName = null;
      drafts.add(readMessage());
    }
    messageIndex = -1;
    if (drafts.isEmpty()) throw malformed("must hold at least one message");
    return drafts;
  }

  private Draft readMessage() throws IOException, MalformedRpcException {
    expect(JsonToken.START_OBJECT, "a message object");
    Draft draft = new Draft();
    while (in.nextToken() == JsonToken.FIELD_NAME) {
      fieldName = in.currentName();
      Field field = Field.named(fieldName);
      if (field == null) throw malformed("unknown field");
      if (!draft.seen.add(field)) throw malformed("appears twice");
      in.nextToken();
      readField(field, draft);
    }
    fieldName = null;
    if (draft.type == null) throw malformed("missing field 'type'");
    return draft;
  }

  private void readField(Field field, Draft draft) throws IOException, MalformedRpcException {
    switch (field.kind) {
      case TYPE -> draft.type = readType();
      case NODE_ID -> draft.values[field.ordinal()] = readNodeId(0);
      case NUMBER -> draft.values[field.ordinal()] = readNumber();
      case BOOLEAN -> draft.values[field.ordinal()] = readBoolean() ? 1 : 0;
      case ENTRIES -> draft.entries = readEntries();
      default -> throw new AssertionError(field.kind);
    }
  }

  private Type readType() throws IOException, MalformedRpcException {
    expect(JsonToken.VALUE_STRING, "a string");
    Type type = Type.named(in.getText());
    if (type == null) {
      throw malformed("unknown message type '" + abbreviate(in.getText()) + "' (expected one of "
          + Type.allNames() + ")");
    }
    return type;
  }

  private List<Entry> readEntries() throws IOException, MalformedRpcException {
    expect(JsonToken.START_ARRAY, "an array of entries");
    List<Entry> entries = new ArrayList<>();
    while (in.nextToken() != JsonToken.END_ARRAY) {
      entryIndex = entries.size();
      fieldName = null;
      entries.add(readEntry());
    }
    entryIndex = -1;
    return entries;
  }

  private Entry readEntry() throws IOException, MalformedRpcException {
    expect(JsonToken.START_OBJECT, "an entry object");
    long index = -1;
    long term = -1;
    String command = null;
    while (in.nextToken() == JsonToken.FIELD_NAME) {
      fieldName = in.currentName();
      in.nextToken();
      switch (fieldName) {
        case "index" -> index = once(index, readNumber());
        case "term" -> term = once(term, readNumber());
        case "command" -> command = once(command, readString());
        default -> throw malformed("unknown field (expected index, term, command)");
      }
    }
    fieldName = null;
    if (index < 0) throw malformed("missing field 'index'");
    if (term < 0) throw malformed("missing field 'term'");
    if (command == null) throw malformed("missing field 'command'");
    try {
      return new Entry(index, term, command);
    } catch (IllegalArgumentException e) {
      throw malformed(e.getMessage());
    }
  }

  // ------------------------------------------------------------------ values

  private int readNodeId(int earlier) throws IOException, MalformedRpcException {
    if (earlier != 0) throw malformed("appears twice");
    long id = readNumber();
    if (id < 1 || id > Integer.MAX_VALUE) throw malformed("must be a node id (>= 1), got " + id);
    return (int) id;
  }

  private long readNumber() throws IOException, MalformedRpcException {
    expect(JsonToken.VALUE_NUMBER_INT, "a non-negative integer");
    if (in.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw malformed("must be a non-negative integer that fits in 64 bits");
    }
    long value = in.getLongValue();
    if (value < 0) throw malformed("must be a non-negative integer, got " + value);
    return value;
  }

  private boolean readBoolean() throws IOException, MalformedRpcException {
    JsonToken token = in.currentToken();
    if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
      throw malformed("must be true or false, got " + describe(token));
    }
    return token == JsonToken.VALUE_TRUE;
  }

  private String readString() throws IOException, MalformedRpcException {
    expect(JsonToken.VALUE_STRING, "a string");
    return in.getText();
  }

  private long once(long earlier, long value) throws MalformedRpcException {
    if (earlier >= 0) throw malformed("appears twice");
    return value;
  }

  private String once(String earlier, String value) throws MalformedRpcException {
    if (earlier != null) throw malformed("appears twice");
    return value;
  }

  private void expect(JsonToken token, String what) throws MalformedRpcException {
    if (in.currentToken() != token) {
      throw malformed("must be " + what + ", got " + describe(in.currentToken()));
    }
  }

  // ------------------------------------------------------------------ building the records

  /** The fields of one message as read, before the envelope is known. */
  private static final class Draft {
    final Set<Field> seen = EnumSet.noneOf(Field.class);
    final long[] values = new long[Field.values().length];
    Type type;
    List<Entry> entries;

    long get(Field field) {
      return values[field.ordinal()];
    }

    boolean flag(Field field) {
      return values[field.ordinal()] != 0;
    }
  }

  private List<Message> build(List<Draft> drafts, int from, int to) throws MalformedRpcException {
    List<Message> messages = new ArrayList<>(drafts.size());
    for (int i = 0; i < drafts.size(); i++) {
      messageIndex = i;
      Draft draft = drafts.get(i);
      checkFields(draft, from, to);
      messages.add(build(draft, from, to));
    }
    messageIndex = -1;
    return messages;
  }

  private void checkFields(Draft draft, int from, int to) throws MalformedRpcException {
    for (Field field : draft.type.required) {
      if (!draft.seen.contains(field)) {
        throw malformed(draft.type.jsonName + " message lacks field '" + field.jsonName + "'");
      }
    }
    for (Field field : draft.seen) {
      if (!draft.type.allowed.contains(field)) {
        throw malformed(draft.type.jsonName + " message has no field '" + field.jsonName + "'");
      }
    }
    if (draft.seen.contains(Field.FROM) && draft.get(Field.FROM) != from) {
      throw malformed("from " + draft.get(Field.FROM) + " disagrees with the envelope's " + from);
    }
    if (draft.seen.contains(Field.TO) && draft.get(Field.TO) != to) {
      throw malformed("to " + draft.get(Field.TO) + " disagrees with the envelope's " + to);
    }
  }

  private Message build(Draft d, int from, int to) throws MalformedRpcException {
    long term = d.get(Field.TERM);
    switch (d.type) {
      case VOTE:
        return new RequestVote(from, to, term, d.get(Field.LAST_LOG_INDEX),
            d.get(Field.LAST_LOG_TERM), d.flag(Field.PRE_VOTE),
            d.seen.contains(Field.TRANSFER) && d.flag(Field.TRANSFER));
      case TIMEOUT_NOW:
        return new TimeoutNow(from, to, term);
      case VOTE_RESPONSE:
        return new RequestVoteResponse(from, to, term, d.flag(Field.GRANTED),
            d.flag(Field.PRE_VOTE));
      case APPEND:
        checkEntriesFollow(d.get(Field.PREV_LOG_INDEX), term, d.entries);
        return new AppendEntries(from, to, term, d.get(Field.PREV_LOG_INDEX),
            d.get(Field.PREV_LOG_TERM), d.entries, d.get(Field.LEADER_COMMIT),
            d.get(Field.READ_SEQ));
      case APPEND_RESPONSE:
        return new AppendEntriesResponse(from, to, term, d.flag(Field.SUCCESS),
            d.get(Field.MATCH_INDEX), d.get(Field.REJECTED_INDEX), d.get(Field.CONFLICT_INDEX),
            d.get(Field.CONFLICT_TERM), d.get(Field.READ_SEQ));
      default:
        throw new AssertionError(d.type);
    }
  }

  /**
   * The core appends entries one after another from prevLogIndex + 1, and a leader only ever
   * sends entries of its own term or older, in log order; anything else would corrupt the log.
   */
  private void checkEntriesFollow(long prevLogIndex, long term, List<Entry> entries)
      throws MalformedRpcException {
    long previousTerm = 0;
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      entryIndex = i;
      if (e.index() != prevLogIndex + 1 + i) {
        throw malformed("index " + e.index() + " does not follow prevLogIndex " + prevLogIndex
            + " (expected " + (prevLogIndex + 1 + i) + ")");
      }
      if (e.term() > term) throw malformed("term " + e.term() + " is above the message's " + term);
      if (e.term() < previousTerm) {
        throw malformed("term " + e.term() + " is below the previous entry's " + previousTerm);
      }
      previousTerm = e.term();
    }
    entryIndex = -1;
  }

  // ------------------------------------------------------------------ errors

  private MalformedRpcException malformed(String problem) {
    StringBuilder where = new StringBuilder();
    if (messageIndex >= 0) where.append("messages[").append(messageIndex).append(']');
    if (entryIndex >= 0) where.append(".entries[").append(entryIndex).append(']');
    if (fieldName != null) {
      if (where.length() > 0) where.append('.');
      where.append(abbreviate(fieldName));
    }
    return new MalformedRpcException(where.length() == 0 ? problem : where + ": " + problem);
  }

  private static String describe(JsonToken token) {
    if (token == null) return "nothing";
    return switch (token) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a number with a fraction or exponent";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.toString();
    };
  }

  /** Names from a peer go into our answer and logs: keep them short. */
  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }
}
