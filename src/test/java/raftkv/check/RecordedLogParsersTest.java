package raftkv.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the parsers read the recorded logs, odd cases included. */
class RecordedLogParsersTest {

  private static final String PREFIX = "INFO  jepsen.util - ";

  @Test
  void readsCompletedJepsenOperationsWithTheirLineNumbersAsTimes() throws IOException {
    var ops = jepsen(
        "0\t:invoke\t:write\t3",
        "1\t:invoke\t:read\tnil",
        "0\t:ok\t:write\t3",
        "1\t:ok\t:read\tnil",
        "2\t:invoke\t:cas\t[3 4]",
        "2\t:ok\t:cas\t[3 4]");

    assertThat(ops).containsExactly(
        Operation.completed(0, new RegisterModel.Write(3), RegisterModel.Output.WRITTEN, 1, 3),
        Operation.completed(1, new RegisterModel.Read(), RegisterModel.Output.read(null), 2, 4),
        Operation.completed(2, new RegisterModel.Cas(3, 4), RegisterModel.Output.cas(true), 5, 6));
  }

  @Test
  void aFailedCasIsAnObservationButATimedOutOneIsUnknown() throws IOException {
    var ops = jepsen(
        "0\t:invoke\t:cas\t[1 2]",
        "0\t:fail\t:cas\t[1 2]",
        "1\t:invoke\t:cas\t[1 2]",
        "1\t:info\t:cas\t:timed-out",
        "2\t:invoke\t:cas\t[1 2]",
        "2\t:fail\t:cas\t:timed-out");

    assertThat(ops).containsExactly(
        Operation.completed(0, new RegisterModel.Cas(1, 2), RegisterModel.Output.cas(false), 1, 2),
        Operation.pending(1, new RegisterModel.Cas(1, 2), 3),
        Operation.pending(2, new RegisterModel.Cas(1, 2), 5));
  }

  @Test
  void dropsFailedReadsAndWritesAndLeavesUnfinishedOnesUnknown() throws IOException {
    var ops = jepsen(
        "3   :invoke   :read   nil", // etcd_100 to etcd_102 separate fields with spaces
        "3   :fail   :read   :timed-out",
        "4\t:invoke\t:write\t1",
        "4\t:fail\t:write\t1",
        "5\t:invoke\t:write\t2",
        "5\t:info\t:write\t:timed-out",
        "6\t:invoke\t:write\t4");

    assertThat(ops).containsExactlyInAnyOrder(
        Operation.pending(5, new RegisterModel.Write(2), 5),
        Operation.pending(6, new RegisterModel.Write(4), 7));
  }

  @Test
  void rejectsMalformedJepsenLogs() {
    assertThatThrownBy(() -> jepsen("0\t:invoke\t:read\tnil", "0\t:invoke\t:read\tnil"))
        .hasMessageContaining("line 2: process 0 invokes again");
    assertThatThrownBy(() -> jepsen("0\t:ok\t:read\tnil"))
        .hasMessageContaining("line 1: process 0 completes nothing");
    assertThatThrownBy(() -> JepsenRegisterLog.parse(new StringReader("hello")))
        .hasMessageContaining("line 1 is not a Jepsen event");
  }

  @Test
  void readsPorcupineKvHistories() throws IOException {
    String log = String.join("\n",
        "{:process 0, :type :invoke, :f :append, :key \"1\", :value \"x 0 0 y\"}",
        "{:process 1, :type :invoke, :f :get, :key \"1\", :value nil}",
        "{:process 0, :type :ok, :f :append, :key \"1\", :value \"x 0 0 y\"}",
        "{:process 1, :type :ok, :f :get, :key \"1\", :value \"\"}",
        "{:process 2, :type :invoke, :f :put, :key \"2\", :value \"x 2 0 y\"}");

    var ops = PorcupineKvLog.parse(new StringReader(log));

    var append = new PorcupineKvModel.Input(PorcupineKvModel.Kind.APPEND, "1", "x 0 0 y");
    var get = new PorcupineKvModel.Input(PorcupineKvModel.Kind.GET, "1", null);
    var put = new PorcupineKvModel.Input(PorcupineKvModel.Kind.PUT, "2", "x 2 0 y");
    assertThat(ops).containsExactly(
        Operation.completed(0, append, "x 0 0 y", 1, 3),
        Operation.completed(1, get, "", 2, 4),
        Operation.pending(2, put, 5));
  }

  private static List<Operation<RegisterModel.Input, RegisterModel.Output>> jepsen(String... lines)
      throws IOException {
    StringBuilder log = new StringBuilder();
    for (String line : lines) {
      log.append(PREFIX).append(line).append('\n');
    }
    return JepsenRegisterLog.parse(new StringReader(log.toString()));
  }
}
