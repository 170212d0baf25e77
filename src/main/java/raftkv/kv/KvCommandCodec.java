package raftkv.kv;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.Iterator;
import java.util.Set;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Put;

/**
 * The JSON form of {@link KvCommand}s. Decoding is strict (unknown or repeated fields, trailing
 * text and wrong types are errors) because a command that one node reads differently from another
 * would make their states diverge.
 */
final class KvCommandCodec {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final Set<String> PUT_FIELDS = Set.of("op", "key", "value", "prev", "id");
  private static final Set<String> DELETE_FIELDS = Set.of("op", "key", "prev", "id");

  private KvCommandCodec() {}

  static String encode(KvCommand command) {
    ObjectNode json = MAPPER.createObjectNode();
    if (command instanceof Put put) {
      json.put("op", "put");
      json.put("key", put.key());
      json.put("value", Base64.getEncoder().encodeToString(put.value()));
    } else {
      json.put("op", "delete");
      json.put("key", command.key());
    }
    if (command.prevRevision() != KvCommand.ANY_REVISION) json.put("prev", command.prevRevision());
    if (command.requestId() != null) json.put("id", command.requestId());
    return write(json);
  }

  static KvCommand decode(String text) {
    JsonNode json = parse(text);
    String op = requiredText(json, "op");
    switch (op) {
      case "put":
        requireOnly(PUT_FIELDS, json);
        return new Put(requiredText(json, "key"), base64(json, "value"), prev(json), id(json));
      case "delete":
        requireOnly(DELETE_FIELDS, json);
        return new Delete(requiredText(json, "key"), prev(json), id(json));
      default:
        throw invalid("unknown op \"" + op + "\" (expected \"put\" or \"delete\")");
    }
  }

  private static JsonNode parse(String text) {
    if (text == null || text.isBlank()) throw invalid("the command is empty");
    JsonNode json;
    try {
      json = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw invalid("not JSON: " + e.getOriginalMessage());
    }
    if (!json.isObject()) throw invalid("expected a JSON object, got " + json.getNodeType());
    return json;
  }

  private static void requireOnly(Set<String> allowed, JsonNode json) {
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) throw invalid("unexpected field \"" + name + "\"");
    }
  }

  private static String requiredText(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null) throw invalid("missing \"" + field + "\"");
    if (!node.isTextual()) throw invalid("\"" + field + "\" must be a string");
    return node.textValue();
  }

  private static byte[] base64(JsonNode json, String field) {
    try {
      return Base64.getDecoder().decode(requiredText(json, field));
    } catch (IllegalArgumentException e) {
      throw invalid("\"" + field + "\" is not base64: " + e.getMessage());
    }
  }

  private static long prev(JsonNode json) {
    JsonNode node = json.get("prev");
    if (node == null) return KvCommand.ANY_REVISION;
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw invalid("\"prev\" must be an integer revision, got " + node);
    }
    return node.longValue();
  }

  private static String id(JsonNode json) {
    return json.has("id") ? requiredText(json, "id") : null;
  }

  private static String write(JsonNode json) {
    try {
      return MAPPER.writeValueAsString(json);
    } catch (JsonProcessingException e) {
      // A tree of strings and numbers always serializes; failing here is a bug.
      throw new IllegalStateException("cannot write a KV command as JSON", e);
    }
  }

  private static IllegalArgumentException invalid(String why) {
    return new IllegalArgumentException("invalid KV command: " + why);
  }
}
