package raftkv.transport;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The names on the wire. A request body is one JSON object:
 *
 * <pre>{@code
 * {"from":1,"to":2,"messages":[
 *   {"type":"append","term":3,"prevLogIndex":7,"prevLogTerm":2,"leaderCommit":7,"readSeq":0,
 *    "entries":[{"index":8,"term":3,"command":"..."}]},
 *   {"type":"vote","term":4,"lastLogIndex":8,"lastLogTerm":3,"preVote":true}]}
 * }</pre>
 *
 * <p>Every field of a message's type is required and no other field is allowed, except that a
 * message may repeat {@code from} and {@code to}, which must then equal the envelope's, and a
 * vote may carry {@code "transfer":true} (an election the leader asked for). Numbers
 * are non-negative integers; node ids are positive.
 */
final class WireFormat {

  private WireFormat() {}

  /** What a message field holds. */
  enum Kind { NODE_ID, NUMBER, BOOLEAN, TYPE, ENTRIES }

  /** The fields of a message object. */
  enum Field {
    TYPE("type", Kind.TYPE),
    FROM("from", Kind.NODE_ID),
    TO("to", Kind.NODE_ID),
    TERM("term", Kind.NUMBER),
    LAST_LOG_INDEX("lastLogIndex", Kind.NUMBER),
    LAST_LOG_TERM("lastLogTerm", Kind.NUMBER),
    PRE_VOTE("preVote", Kind.BOOLEAN),
    GRANTED("granted", Kind.BOOLEAN),
    PREV_LOG_INDEX("prevLogIndex", Kind.NUMBER),
    PREV_LOG_TERM("prevLogTerm", Kind.NUMBER),
    ENTRIES("entries", Kind.ENTRIES),
    LEADER_COMMIT("leaderCommit", Kind.NUMBER),
    READ_SEQ("readSeq", Kind.NUMBER),
    SUCCESS("success", Kind.BOOLEAN),
    MATCH_INDEX("matchIndex", Kind.NUMBER),
    REJECTED_INDEX("rejectedIndex", Kind.NUMBER),
    CONFLICT_INDEX("conflictIndex", Kind.NUMBER),
    CONFLICT_TERM("conflictTerm", Kind.NUMBER),
    /** Optional on a vote: the election a leader asked for (leadership transfer). */
    TRANSFER("transfer", Kind.BOOLEAN);

    private static final Map<String, Field> BY_NAME = new HashMap<>();

    static {
      for (Field f : values()) BY_NAME.put(f.jsonName, f);
    }

    final String jsonName;
    /** Pre-encoded, so the writer does not escape and encode the name again for every message. */
    final SerializableString serialized;
    final Kind kind;

    Field(String jsonName, Kind kind) {
      this.jsonName = jsonName;
      this.serialized = new SerializedString(jsonName);
      this.kind = kind;
    }

    /** The field of that name, or null. */
    static Field named(String name) {
      return BY_NAME.get(name);
    }
  }

  /** The message types, with the fields each one requires. */
  enum Type {
    VOTE("vote", Field.TERM, Field.LAST_LOG_INDEX, Field.LAST_LOG_TERM, Field.PRE_VOTE),
    VOTE_RESPONSE("vote-response", Field.TERM, Field.GRANTED, Field.PRE_VOTE),
    APPEND("append", Field.TERM, Field.PREV_LOG_INDEX, Field.PREV_LOG_TERM, Field.ENTRIES,
        Field.LEADER_COMMIT, Field.READ_SEQ),
    APPEND_RESPONSE("append-response", Field.TERM, Field.SUCCESS, Field.MATCH_INDEX,
        Field.REJECTED_INDEX, Field.CONFLICT_INDEX, Field.CONFLICT_TERM, Field.READ_SEQ),
    TIMEOUT_NOW("timeout-now", Field.TERM);

    private static final Map<String, Type> BY_NAME = new HashMap<>();

    static {
      for (Type t : values()) BY_NAME.put(t.jsonName, t);
    }

    final String jsonName;
    final SerializableString serialized;
    /** Fields a message of this type must have (the type itself included). */
    final Set<Field> required;
    /** Fields it may have: the required ones, and from/to repeated from the envelope. */
    final Set<Field> allowed;

    Type(String jsonName, Field... fields) {
      this.jsonName = jsonName;
      this.serialized = new SerializedString(jsonName);
      this.required = EnumSet.of(Field.TYPE, fields);
      this.allowed = EnumSet.copyOf(required);
      this.allowed.add(Field.FROM);
      this.allowed.add(Field.TO);
      if (jsonName.equals("vote")) this.allowed.add(Field.TRANSFER);
    }

    /** The type of that name, or null. */
    static Type named(String name) {
      return BY_NAME.get(name);
    }

    static String allNames() {
      return String.join(", ", BY_NAME.keySet().stream().sorted().toList());
    }
  }

  // The envelope and entry fields, written by name.
  static final SerializableString ENVELOPE_FROM = new SerializedString("from");
  static final SerializableString ENVELOPE_TO = new SerializedString("to");
  static final SerializableString MESSAGES = new SerializedString("messages");
  static final SerializableString ENTRY_INDEX = new SerializedString("index");
  static final SerializableString ENTRY_TERM = new SerializedString("term");
  static final SerializableString ENTRY_COMMAND = new SerializedString("command");
}
