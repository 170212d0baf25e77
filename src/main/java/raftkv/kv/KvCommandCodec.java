package raftkv.kv;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Grant;
import raftkv.kv.KvCommand.KeyWrite;
import raftkv.kv.KvCommand.Put;
import raftkv.kv.KvCommand.Revoke;

/**
 * The JSON form of {@link KvCommand}s. Decoding is strict (unknown or repeated fields, trailing
 * text and wrong types are errors) because a command that one node reads differently from another
 * would make their states diverge.
 *
 * <p>Every node decodes every command it applies, so both directions stream tokens with Jackson's
 * core parser and generator rather than building a tree per command.
 */
final class KvCommandCodec {

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private static final Set<String> PUT_FIELDS =
      Set.of("op", "key", "value", "prev", "id", "keep", "t", "lease");
  private static final Set<String> DELETE_FIELDS = Set.of("op", "key", "prev", "id", "keep", "t");
  private static final Set<String> CLOCK_FIELDS = Set.of("op", "t");
  private static final Set<String> GRANT_FIELDS = Set.of("op", "ttl", "id", "keep", "t");
  private static final Set<String> REVOKE_FIELDS =
      Set.of("op", "lease", "expired", "id", "keep", "t");

  private KvCommandCodec() {}

  static String encode(KvCommand command) {
    return encode(new LoggedCommand(command, 0, 0));
  }

  /** {@code t} and {@code keep} are left out when 0 (a command that was not stamped). */
  static String encode(LoggedCommand logged) {
    KvCommand command = logged.command();
    StringWriter out = new StringWriter(64);
    try (JsonGenerator gen = FACTORY.createGenerator(out)) {
      gen.writeStartObject();
      if (logged.isClock()) {
        gen.writeStringField("op", "clock");
        gen.writeNumberField("t", logged.timeMs());
        gen.writeEndObject();
        gen.flush();
        return out.toString();
      }
      if (command instanceof Put put) {
        gen.writeStringField("op", "put");
        gen.writeStringField("key", put.key());
        gen.writeStringField("value", Base64.getEncoder().encodeToString(put.value()));
        if (put.lease() != KvCommand.NO_LEASE) gen.writeNumberField("lease", put.lease());
      } else if (command instanceof Delete delete) {
        gen.writeStringField("op", "delete");
        gen.writeStringField("key", delete.key());
      } else if (command instanceof Grant grant) {
        gen.writeStringField("op", "grant");
        gen.writeNumberField("ttl", grant.ttlMs());
      } else {
        Revoke revoke = (Revoke) command;
        gen.writeStringField("op", "revoke");
        gen.writeNumberField("lease", revoke.lease());
        if (revoke.expired()) gen.writeBooleanField("expired", true);
      }
      if (command instanceof KeyWrite write && write.prevRevision() != KvCommand.ANY_REVISION) {
        gen.writeNumberField("prev", write.prevRevision());
      }
      if (command.requestId() != null) gen.writeStringField("id", command.requestId());
      if (logged.keepIdMs() > 0) gen.writeNumberField("keep", logged.keepIdMs());
      if (logged.timeMs() > 0) gen.writeNumberField("t", logged.timeMs());
      gen.writeEndObject();
    } catch (IOException e) {
      // strings and numbers into memory always serialize; failing here is a bug
      throw new IllegalStateException("cannot write a KV command as JSON", e);
    }
    return out.toString();
  }

  static KvCommand decode(String text) {
    LoggedCommand logged = decodeLogged(text);
    if (logged.isClock()) throw invalid("a clock entry holds no key-value command");
    return logged.command();
  }

  static LoggedCommand decodeLogged(String text) {
    if (text == null || text.isBlank()) throw invalid("the command is empty");
    Fields f = parse(text);
    String op = f.requiredText("op");
    KvCommand command;
    switch (op) {
      case "put":
        f.requireOnly(PUT_FIELDS);
        command = new Put(f.requiredText("key"), f.base64("value"), f.prev(), f.id(),
            f.nonNegative("lease"));
        break;
      case "grant":
        f.requireOnly(GRANT_FIELDS);
        f.requireNoKey();
        command = new Grant(f.positive("ttl"), f.id());
        break;
      case "revoke":
        f.requireOnly(REVOKE_FIELDS);
        f.requireNoKey();
        command = new Revoke(f.positive("lease"), f.expired, f.id());
        break;
      case "delete":
        f.requireOnly(DELETE_FIELDS);
        command = new Delete(f.requiredText("key"), f.prev(), f.id());
        break;
      case "clock":
        f.requireOnly(CLOCK_FIELDS);
        if (f.key != null || f.prevText != null || f.id != null || f.nonNegative("keep") > 0) {
          throw invalid("a clock entry carries \"op\" and \"t\" only");
        }
        long time = f.nonNegative("t");
        if (time == 0) throw invalid("a clock entry needs \"t\" > 0");
        return LoggedCommand.clock(time);
      default:
        throw invalid("unknown op \"" + op
            + "\" (expected \"put\", \"delete\", \"grant\", \"revoke\" or \"clock\")");
    }
    long keep = f.nonNegative("keep");
    if (keep > 0 && command.requestId() == null) throw invalid("\"keep\" without \"id\"");
    return new LoggedCommand(command, f.nonNegative("t"), keep);
  }

  private static Fields parse(String text) {
    Fields f = new Fields();
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw invalid("expected a JSON object, got " + typeName(first));
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        f.read(name, p.nextToken(), p);
      }
      if (p.nextToken() != null) throw invalid("not JSON: trailing text after the object");
    } catch (JsonProcessingException e) {
      throw invalid("not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw invalid("not JSON: " + e.getMessage()); // not expected from a string
    }
    return f;
  }

  private static String typeName(JsonToken token) {
    if (token == null) return "nothing";
    return switch (token) {
      case START_ARRAY -> "ARRAY";
      case VALUE_STRING -> "STRING";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "NUMBER";
      case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
      case VALUE_NULL -> "NULL";
      default -> token.name();
    };
  }

  /**
   * The fields as read, checked only once the whole object is known, so that the first error
   * reported does not depend on the order of the fields.
   */
  private static final class Fields {
    private String op;
    private String key;
    private String value;
    private String id;
    private final Map<String, Long> counts = new HashMap<>(); // keep, t, ttl, lease
    private boolean expired;
    private String prevText; // the raw number, or null
    private boolean prevIsLong;
    private long prev = KvCommand.ANY_REVISION;
    private String unexpected; // the first field no op allows
    private final Map<String, String> notText = new HashMap<>(); // field -> the type it had

    void read(String name, JsonToken token, JsonParser p) throws IOException {
      switch (name) {
        case "op" -> op = text(name, token, p);
        case "key" -> key = text(name, token, p);
        case "value" -> value = text(name, token, p);
        case "id" -> id = text(name, token, p);
        case "prev" -> readPrev(token, p);
        case "keep", "t", "ttl", "lease" -> readCount(name, token, p);
        case "expired" -> {
          if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
            notText.put(name, typeName(token)); // reported as a wrong type below
            p.skipChildren();
          } else {
            expired = token == JsonToken.VALUE_TRUE;
          }
        }
        default -> {
          if (unexpected == null) unexpected = name;
          p.skipChildren();
        }
      }
    }

    private String text(String name, JsonToken token, JsonParser p) throws IOException {
      if (token == JsonToken.VALUE_STRING) return p.getText();
      notText.put(name, typeName(token));
      p.skipChildren();
      return null;
    }

    private void readPrev(JsonToken token, JsonParser p) throws IOException {
      prevText = token.isScalarValue() ? p.getText() : typeName(token);
      prevIsLong = token == JsonToken.VALUE_NUMBER_INT
          && (p.getNumberType() == JsonParser.NumberType.INT
              || p.getNumberType() == JsonParser.NumberType.LONG);
      if (prevIsLong) prev = p.getLongValue();
      p.skipChildren();
    }

    private void readCount(String name, JsonToken token, JsonParser p) throws IOException {
      boolean isLong = token == JsonToken.VALUE_NUMBER_INT
          && (p.getNumberType() == JsonParser.NumberType.INT
              || p.getNumberType() == JsonParser.NumberType.LONG);
      counts.put(name, isLong && p.getLongValue() >= 0 ? p.getLongValue() : -1);
      p.skipChildren();
    }

    /** An optional integer field {@code >= 0}; 0 when absent. */
    long nonNegative(String field) {
      Long value = counts.get(field);
      if (value == null) return 0;
      if (value < 0) throw invalid("\"" + field + "\" must be an integer >= 0");
      return value;
    }

    /** A required integer field {@code >= 1}. */
    long positive(String field) {
      if (!counts.containsKey(field)) throw invalid("missing \"" + field + "\"");
      long value = nonNegative(field);
      if (value < 1) throw invalid("\"" + field + "\" must be an integer >= 1");
      return value;
    }

    void requireNoKey() {
      if (key != null || notText.containsKey("key")) throw invalid("unexpected field \"key\"");
      if (prevText != null) throw invalid("unexpected field \"prev\"");
      if (notText.containsKey("expired")) throw invalid("\"expired\" must be true or false");
    }

    String requiredText(String field) {
      if (notText.containsKey(field)) throw invalid("\"" + field + "\" must be a string");
      String v = switch (field) {
        case "op" -> op;
        case "key" -> key;
        case "value" -> value;
        default -> throw new IllegalArgumentException(field);
      };
      if (v == null) throw invalid("missing \"" + field + "\"");
      return v;
    }

    void requireOnly(Set<String> allowed) {
      if (unexpected != null) throw invalid("unexpected field \"" + unexpected + "\"");
      if (!allowed.contains("value") && (value != null || notText.containsKey("value"))) {
        throw invalid("unexpected field \"value\"");
      }
      for (String counted : counts.keySet()) {
        if (!allowed.contains(counted)) throw invalid("unexpected field \"" + counted + "\"");
      }
      if (!allowed.contains("expired") && (expired || notText.containsKey("expired"))) {
        throw invalid("unexpected field \"expired\"");
      }
    }

    byte[] base64(String field) {
      try {
        return Base64.getDecoder().decode(requiredText(field));
      } catch (IllegalArgumentException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("invalid KV command")) throw e;
        throw invalid("\"" + field + "\" is not base64: " + e.getMessage());
      }
    }

    long prev() {
      if (prevText == null) return KvCommand.ANY_REVISION;
      if (!prevIsLong) throw invalid("\"prev\" must be an integer revision, got " + prevText);
      return prev;
    }

    String id() {
      if (notText.containsKey("id")) throw invalid("\"id\" must be a string");
      return id;
    }
  }

  private static IllegalArgumentException invalid(String why) {
    return new IllegalArgumentException("invalid KV command: " + why);
  }
}
