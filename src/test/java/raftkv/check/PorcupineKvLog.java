package raftkv.check;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a history of {@code porcupine/kv} into operations for {@link PorcupineKvModel}. Each line
 * is an EDN map such as {@code {:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0
 * y"}}, with {@code :type} {@code :invoke} or {@code :ok}; the time of an event is its line
 * number. An invocation never completed has an unknown outcome.
 */
final class PorcupineKvLog {

  private static final Pattern LINE = Pattern.compile(
      "\\{:process (\\d+), :type :(invoke|ok), :f :(get|put|append), :key \"([^\"]*)\","
          + " :value (nil|\"[^\"]*\")}");

  private final Map<Integer, Invocation> pendingByProcess = new HashMap<>();
  private final List<Operation<PorcupineKvModel.Input, String>> operations = new ArrayList<>();

  private PorcupineKvLog() {}

  /** The operations of the history, in order of completion (the checker orders them by time). */
  static List<Operation<PorcupineKvModel.Input, String>> parse(Reader history) throws IOException {
    PorcupineKvLog parser = new PorcupineKvLog();
    BufferedReader lines = new BufferedReader(history);
    int lineNumber = 0;
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      lineNumber++;
      if (!line.isBlank()) {
        parser.readLine(line.strip(), lineNumber);
      }
    }
    parser.endOfLog();
    return parser.operations;
  }

  private record Invocation(int process, PorcupineKvModel.Input input, long time) {}

  private void readLine(String line, int lineNumber) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      throw new IllegalArgumentException("line " + lineNumber + " is not a KV event: " + line);
    }
    int process = Integer.parseInt(m.group(1));
    String value = m.group(5).equals("nil") ? null : unquote(m.group(5));
    if (m.group(2).equals("invoke")) {
      PorcupineKvModel.Kind kind = PorcupineKvModel.Kind.valueOf(m.group(3).toUpperCase());
      invoke(process, new PorcupineKvModel.Input(kind, m.group(4), value), lineNumber);
    } else {
      complete(process, value, lineNumber);
    }
  }

  private void invoke(int process, PorcupineKvModel.Input input, long time) {
    Invocation previous = pendingByProcess.put(process, new Invocation(process, input, time));
    if (previous != null) {
      throw new IllegalArgumentException("line " + time + ": process " + process
          + " invokes again while its operation of line " + previous.time() + " is pending");
    }
  }

  private void complete(int process, String output, long time) {
    Invocation invocation = pendingByProcess.remove(process);
    if (invocation == null) {
      throw new IllegalArgumentException(
          "line " + time + ": process " + process + " completes nothing");
    }
    operations.add(Operation.completed(
        process, invocation.input(), output, invocation.time(), time));
  }

  private void endOfLog() {
    for (Invocation invocation : pendingByProcess.values()) {
      operations.add(Operation.pending(invocation.process(), invocation.input(), invocation.time()));
    }
    pendingByProcess.clear();
  }

  private static String unquote(String quoted) {
    return quoted.substring(1, quoted.length() - 1);
  }
}
