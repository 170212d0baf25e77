package raftkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What a command prints, as a table for people or as JSON for programs (one JSON value on one
 * line). Tables show text with control characters escaped, so that a key or value with a newline
 * cannot break a row apart.
 */
final class Output {

  enum Format { table, json }

  private final Format format;
  private final PrintWriter out;

  Output(Format format, PrintWriter out) {
    this.format = format;
    this.out = out;
  }

  boolean json() {
    return format == Format.json;
  }

  void line(String text) {
    out.println(text);
  }

  void json(JsonNode json) {
    out.println(json.toString());
  }

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** Left-aligned columns two spaces apart; the last column is not padded. */
  void table(List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    for (List<String> row : rows) all.add(row.stream().map(Output::escaped).toList());
    int[] widths = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) widths[i] = Math.max(widths[i], row.get(i).length());
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i));
        if (i < row.size() - 1) line.append(" ".repeat(widths[i] - row.get(i).length() + 2));
      }
      out.println(line);
    }
  }

  /** A value in a table: its text when it is UTF-8, else {@code base64:} and its base64. */
  static String cell(byte[] value) {
    String text = utf8(value);
    return text != null ? text : "base64:" + Base64.getEncoder().encodeToString(value);
  }

  /** Adds {@code value} (UTF-8 text) or, for bytes that are not UTF-8, {@code valueBase64}. */
  static ObjectNode withValue(ObjectNode item, byte[] value) {
    String text = utf8(value);
    return text != null ? item.put("value", text)
        : item.put("valueBase64", Base64.getEncoder().encodeToString(value));
  }

  /** {@code 10s}, {@code 500ms}: as --timeout is written. */
  static String duration(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Control characters as {@code \n}, {@code \t}, {@code \x01}. */
  private static String escaped(String text) {
    if (text.chars().noneMatch(c -> c < 0x20 || c == 0x7F)) return text;
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7F) {
            out.append(String.format("\\x%02x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
