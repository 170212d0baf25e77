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
 * Reads a Jepsen log of a register test (the etcd histories in {@code porcupine/jepsen}) into
 * operations for {@link RegisterModel}. The time of an event is its line number.
 *
 * <p>A line is {@code INFO  jepsen.util - <process> <type> <f> <value>}, separated by tabs or
 * spaces. How each completion is read:
 *
 * <ul>
 *   <li>{@code :ok}: the operation took effect, with that answer.
 *   <li>{@code :fail} of a {@code :cas} with {@code [expected new]}: a compare that failed, which
 *       observed that the register did not hold {@code expected}.
 *   <li>{@code :fail} of a read: dropped, since it observed nothing and changed nothing (the logs
 *       have {@code :fail :read :timed-out}). {@code :fail} of a write: it did not happen.
 *   <li>{@code :info}, a {@code :fail} with {@code :timed-out} of a write or cas, or no
 *       completion by the end of the log: the outcome is unknown.
 * </ul>
 *
 * <p>A process invokes one operation at a time; Jepsen gives a process whose outcome was unknown a
 * new id, but an id reused after its operation completed is fine.
 */
final class JepsenRegisterLog {

  private static final Pattern LINE = Pattern.compile(
      "INFO\\s+jepsen\\.util\\s+-\\s+(\\d+)\\s+:(invoke|ok|fail|info)\\s+:(read|write|cas)\\s+(.*)");
  private static final Pattern CAS_ARGUMENTS = Pattern.compile("\\[(\\d+)\\s+(\\d+)]");

  private final Map<Integer, Invocation> pendingByProcess = new HashMap<>();
  private final List<Operation<RegisterModel.Input, RegisterModel.Output>> operations =
      new ArrayList<>();

  private JepsenRegisterLog() {}

  /** The operations of the log, in order of completion (the checker orders them by time). */
  static List<Operation<RegisterModel.Input, RegisterModel.Output>> parse(Reader log)
      throws IOException {
    JepsenRegisterLog parser = new JepsenRegisterLog();
    BufferedReader lines = new BufferedReader(log);
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

  private record Invocation(int process, RegisterModel.Input input, long time) {}

  private void readLine(String line, int lineNumber) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      throw new IllegalArgumentException("line " + lineNumber + " is not a Jepsen event: " + line);
    }
    int process = Integer.parseInt(m.group(1));
    String type = m.group(2);
    String value = m.group(4).strip();
    if (type.equals("invoke")) {
      invoke(process, input(m.group(3), value, lineNumber), lineNumber);
    } else {
      complete(process, type, value, lineNumber);
    }
  }

  private void invoke(int process, RegisterModel.Input input, long time) {
    Invocation previous = pendingByProcess.put(process, new Invocation(process, input, time));
    if (previous != null) {
      throw new IllegalArgumentException("line " + time + ": process " + process
          + " invokes again while its operation of line " + previous.time() + " is pending");
    }
  }

  private void complete(int process, String type, String value, long time) {
    Invocation invocation = pendingByProcess.remove(process);
    if (invocation == null) {
      throw new IllegalArgumentException(
          "line " + time + ": process " + process + " completes nothing");
    }
    RegisterModel.Input input = invocation.input();
    if (type.equals("ok")) {
      add(invocation, okOutput(input, value), time);
      return;
    }
    if (input instanceof RegisterModel.Read && type.equals("fail")) {
      return; // observed nothing, changed nothing
    }
    boolean certainlyFailed = type.equals("fail") && !value.equals(":timed-out");
    if (certainlyFailed && input instanceof RegisterModel.Cas) {
      add(invocation, RegisterModel.Output.cas(false), time);
    } else if (!certainlyFailed) {
      addUnknown(invocation);
    } // else a write that certainly failed: it did not happen
  }

  private void endOfLog() {
    pendingByProcess.values().forEach(this::addUnknown);
    pendingByProcess.clear();
  }

  private void add(Invocation invocation, RegisterModel.Output output, long returnTime) {
    operations.add(Operation.completed(
        invocation.process(), invocation.input(), output, invocation.time(), returnTime));
  }

  private void addUnknown(Invocation invocation) {
    operations.add(Operation.pending(invocation.process(), invocation.input(), invocation.time()));
  }

  private static RegisterModel.Input input(String f, String value, int lineNumber) {
    switch (f) {
      case "read":
        return new RegisterModel.Read();
      case "write":
        return new RegisterModel.Write(Integer.parseInt(value));
      default:
        Matcher cas = CAS_ARGUMENTS.matcher(value);
        if (!cas.matches()) {
          throw new IllegalArgumentException("line " + lineNumber + ": bad cas " + value);
        }
        return new RegisterModel.Cas(Integer.parseInt(cas.group(1)), Integer.parseInt(cas.group(2)));
    }
  }

  private static RegisterModel.Output okOutput(RegisterModel.Input input, String value) {
    if (input instanceof RegisterModel.Read) {
      return RegisterModel.Output.read(value.equals("nil") ? null : Integer.valueOf(value));
    }
    if (input instanceof RegisterModel.Cas) {
      return RegisterModel.Output.cas(true);
    }
    return RegisterModel.Output.WRITTEN;
  }
}
