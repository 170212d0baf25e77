package raftkv.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checker against the recorded histories of {@code src/test/resources/porcupine}, whose
 * verdicts are known (see the README there).
 */
class RecordedHistoriesTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** The etcd runs whose histories are linearizable; every other one is not. */
  private static final Set<Integer> LINEARIZABLE_ETCD_RUNS = Set.of(
      2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102);

  /** Run 95 has no verdict: its cluster failed to start and its log is empty. */
  private static final int RUN_WITHOUT_VERDICT = 95;

  private static final Map<String, Long> MILLIS_BY_HISTORY = new ConcurrentHashMap<>();

  static Stream<Arguments> etcdRuns() {
    return IntStream.rangeClosed(0, 102)
        .filter(run -> run != RUN_WITHOUT_VERDICT)
        .mapToObj(run -> Arguments.of(
            String.format("jepsen/etcd_%03d.log", run),
            LINEARIZABLE_ETCD_RUNS.contains(run) ? Verdict.OK : Verdict.ILLEGAL));
  }

  @ParameterizedTest(name = "{0} is {1}")
  @MethodSource("etcdRuns")
  void etcdHistoryHasItsKnownVerdict(String file, Verdict expected) throws IOException {
    List<Operation<RegisterModel.Input, RegisterModel.Output>> history;
    try (Reader log = open(file)) {
      history = JepsenRegisterLog.parse(log);
    }

    CheckResult result = timed(file, () ->
        LinearizabilityChecker.check(new RegisterModel(), history, TIMEOUT));

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"c01-ok", "c10-ok", "c50-ok", "c01-bad", "c10-bad", "c50-bad"})
  void kvHistoryHasItsKnownVerdict(String name) throws IOException {
    String file = "kv/" + name + ".txt";
    List<Operation<PorcupineKvModel.Input, String>> history;
    try (Reader log = open(file)) {
      history = PorcupineKvLog.parse(log);
    }

    CheckResult result = timed(file, () ->
        LinearizabilityChecker.check(new PorcupineKvModel(), history, TIMEOUT));

    Verdict expected = name.endsWith("-ok") ? Verdict.OK : Verdict.ILLEGAL;
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(expected);
  }

  @AfterAll
  static void printSlowest() {
    MILLIS_BY_HISTORY.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(3)
        .map(e -> e.getKey() + " " + e.getValue() + " ms")
        .reduce((a, b) -> a + ", " + b)
        .ifPresent(slowest -> System.out.println("slowest recorded histories: " + slowest));
  }

  private static CheckResult timed(String file, java.util.function.Supplier<CheckResult> check) {
    long start = System.nanoTime();
    CheckResult result = check.get();
    MILLIS_BY_HISTORY.put(file, (System.nanoTime() - start) / 1_000_000);
    return result;
  }

  private static Reader open(String file) {
    InputStream in = RecordedHistoriesTest.class.getResourceAsStream("/porcupine/" + file);
    assertThat(in).as("resource porcupine/" + file).isNotNull();
    return new InputStreamReader(in, StandardCharsets.UTF_8);
  }
}
