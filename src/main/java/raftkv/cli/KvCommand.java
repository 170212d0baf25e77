package raftkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import raftkv.cli.ClusterClient.Kind;
import raftkv.cli.ClusterClient.Request;
import raftkv.cli.ClusterClient.Response;

/**
 * {@code raftkv kv get|put|del|cas|ls}: the key-value API from the command line. Values are
 * bytes: {@code get} prints them as they are, {@code put} stores its input as it is.
 */
@Command(name = "kv", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
    description = "Read, write, delete and list keys.",
    footer = {"%nKeys are UTF-8 text, '/' and spaces included. Endpoints default to"
        + " $RAFTKV_ENDPOINTS, else the local cluster of ./cluster.sh.", ClientError.EXIT_STATUSES})
public final class KvCommand implements Runnable {

  @Spec CommandSpec spec;
  private InputStream valueIn = System.in;
  private PrintStream valueOut = System.out;

  /**
   * Where {@code put} and {@code cas} read a value not given as an argument, and where {@code
   * get} writes one: stdin and stdout, unless a test wants them.
   */
  public KvCommand valueStreams(InputStream in, PrintStream out) {
    this.valueIn = in;
    this.valueOut = out;
    return this;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a command: get, put, del, cas or ls");
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = {
      "Print the value of KEY: its bytes exactly as stored, no newline added.",
      "With -o json: {\"key\":K,\"value\":V,\"revision\":R}, where V is the value as UTF-8"
          + " text, or \"valueBase64\" instead of \"value\" for bytes that are not UTF-8.",
      "Exits 1 when the key does not exist."})
  int get(@Mixin ClientOptions options, @Parameters(index = "0", paramLabel = "KEY") String key) {
    return options.run((client, out) -> {
      Response r = client.send(Request.read(keyPath(key, null)));
      // an absent key's 404 tells how far the node had read; a 404 for no such route does not
      if (r.status() == 404 && r.header("X-Applied-Index") != null) {
        throw new ClientError(ClientError.NOT_FOUND, "key '" + key + "' does not exist");
      }
      byte[] value = r.require(200).body();
      if (out.json()) {
        ObjectNode item = Output.withValue(Output.object().put("key", key), value);
        String revision = r.header("X-Revision");
        out.json(item.put("revision", revision == null ? 0 : Long.parseLong(revision)));
      } else {
        valueOut.write(value, 0, value.length);
        valueOut.flush();
      }
    });
  }

  @Command(name = "put", mixinStandardHelpOptions = true, description = {
      "Set KEY to VALUE; without VALUE, or with '-', to what stdin holds.",
      "Prints 'OK revision R' (-o json: {\"revision\":R})."})
  int put(@Mixin ClientOptions options, @Parameters(index = "0", paramLabel = "KEY") String key,
      @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE") String value,
      @Option(names = "--file", paramLabel = "PATH", description = "the value is this file's"
          + " content") Path file) {
    return options.run((client, out) -> {
      byte[] bytes = value(value, file);
      long revision = written(client.send(Request.of(Kind.WRITE, "PUT", keyPath(key, null),
          bytes)), key);
      print(out, Output.object().put("revision", revision), "OK revision " + revision);
    });
  }

  @Command(name = "cas", mixinStandardHelpOptions = true, description = {
      "Compare and set: set KEY to VALUE (or stdin, as for put) only if the key is at revision"
          + " N now; N = 0 means only if the key does not exist.",
      "Prints as put does; exits 3 when the key is at another revision."})
  int cas(@Mixin ClientOptions options, @Parameters(index = "0", paramLabel = "KEY") String key,
      @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE") String value,
      @Option(names = "--file", paramLabel = "PATH", description = "the value is this file's"
          + " content") Path file,
      @Option(names = "--prev-revision", paramLabel = "N", required = true,
          description = "the revision the key must be at (0: absent)") long prevRevision) {
    return options.run((client, out) -> {
      byte[] bytes = value(value, file);
      long revision = written(client.send(Request.of(Kind.WRITE, "PUT",
          keyPath(key, prevRevision), bytes)), key);
      print(out, Output.object().put("revision", revision), "OK revision " + revision);
    });
  }

  @Command(name = "del", mixinStandardHelpOptions = true, description = {
      "Delete KEY. Prints 'deleted revision R', or 'not found revision R' when there was no such"
          + " key, which is no error (-o json: {\"revision\":R,\"deleted\":true|false})."})
  int del(@Mixin ClientOptions options, @Parameters(index = "0", paramLabel = "KEY") String key,
      @Option(names = "--prev-revision", paramLabel = "N", description = "delete only if the"
          + " key is at revision N (exit 3 otherwise)") Long prevRevision) {
    return options.run((client, out) -> {
      Response r = client.send(Request.of(Kind.WRITE, "DELETE", keyPath(key, prevRevision),
          null));
      long revision = written(r, key);
      boolean deleted = r.json().path("deleted").asBoolean();
      print(out, Output.object().put("revision", revision).put("deleted", deleted),
          (deleted ? "deleted" : "not found") + " revision " + revision);
    });
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = {
      "List the keys that start with PREFIX (all keys without it), in order, page after page.",
      "Table: KEY, REVISION, SIZE (and VALUE with --values; values that are not UTF-8 show as"
          + " base64:...). -o json: one array of {\"key\",\"revision\",\"size\"} (and \"value\""
          + " or \"valueBase64\", as for get)."})
  int ls(@Mixin ClientOptions options,
      @Parameters(index = "0", arity = "0..1", paramLabel = "PREFIX") String prefix,
      @Option(names = "--limit", paramLabel = "N", description = "list at most N keys")
          Integer limit,
      @Option(names = "--values", description = "with the values") boolean values) {
    return options.run((client, out) -> {
      if (limit != null && limit < 1) {
        throw new ClientError(ClientError.USAGE, "--limit must be a positive number");
      }
      List<ObjectNode> items = list(client, prefix == null ? "" : prefix, limit, values);
      if (out.json()) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        items.forEach(item -> array.add(values ? Output.withValue(item, value(item)) : item));
        out.json(array);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (ObjectNode item : items) {
        List<String> row = new ArrayList<>(List.of(item.path("key").asText(),
            item.path("revision").asText(), item.path("size").asText()));
        if (values) row.add(Output.cell(value(item)));
        rows.add(row);
      }
      out.table(values ? List.of("KEY", "REVISION", "SIZE", "VALUE")
          : List.of("KEY", "REVISION", "SIZE"), rows);
    });
  }

  /** Follows the server's pages (X-More-Keys, X-Next-After) until the end or the limit. */
  private static List<ObjectNode> list(ClusterClient client, String prefix, Integer limit,
      boolean values) {
    List<ObjectNode> items = new ArrayList<>();
    String after = null;
    while (limit == null || items.size() < limit) {
      String query = (prefix.isEmpty() ? "" : "&prefix=" + encoded(prefix))
          + (limit == null ? "" : "&limit=" + (limit - items.size()))
          + (after == null ? "" : "&after=" + after)
          + (values ? "&values=true" : "");
      String path = "/v1/kv" + (query.isEmpty() ? "" : "?" + query.substring(1));
      Response r = client.send(Request.read(path)).require(200);
      ArrayNode page = r.jsonArray();
      for (JsonNode item : page) items.add((ObjectNode) item);
      after = r.header("X-Next-After");
      if (!"true".equals(r.header("X-More-Keys")) || after == null || page.isEmpty()) break;
    }
    return items;
  }

  /** Takes the base64 value out of a listed item, to be shown as get shows values. */
  private static byte[] value(ObjectNode listed) {
    JsonNode value = listed.remove("value");
    return Base64.getDecoder().decode(value == null ? "" : value.asText());
  }

  /** The value of put and cas: the argument, a file, or stdin. */
  private byte[] value(String argument, Path file) {
    if (file != null && argument != null) {
      throw new ClientError(ClientError.USAGE, "give the value as an argument or with --file,"
          + " not both");
    }
    try {
      if (file != null) return Files.readAllBytes(file);
      if (argument == null || argument.equals("-")) return valueIn.readAllBytes();
    } catch (IOException e) {
      throw new ClientError(ClientError.USAGE, "cannot read the value from "
          + (file != null ? file : "stdin") + ": " + (e instanceof NoSuchFileException
          ? "no such file" : e.toString()));
    }
    return argument.getBytes(StandardCharsets.UTF_8);
  }

  private static String keyPath(String key, Long prevRevision) {
    if (key.isEmpty()) throw new ClientError(ClientError.USAGE, "the key is empty");
    if (prevRevision != null && prevRevision < 0) {
      throw new ClientError(ClientError.USAGE, "--prev-revision must be 0 or more");
    }
    return "/v1/kv/" + encoded(key)
        + (prevRevision == null ? "" : "?prevRevision=" + prevRevision);
  }

  /**
   * Text as one path segment or query value: UTF-8 with every byte but the unreserved characters
   * percent-encoded, which every part of a URI reads back as the same text.
   */
  private static String encoded(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      boolean unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
      if (unreserved) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }

  /** The revision of a write's answer; a failed comparison ends the command with status 3. */
  private static long written(Response r, String key) {
    if (r.status() == 412) {
      long now = r.json().path("revision").asLong();
      throw new ClientError(ClientError.COMPARE_FAILED, "comparison failed: '" + key + "' "
          + (now == 0 ? "does not exist" : "is at revision " + now)
          + "; read it again, then retry with --prev-revision " + now);
    }
    return r.require(200).json().path("revision").asLong();
  }

  private static void print(Output out, ObjectNode json, String table) {
    if (out.json()) {
      out.json(json);
    } else {
      out.line(table);
    }
  }
}
