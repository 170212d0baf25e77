package raftkv.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker's behaviour apart from any one model: time limit, reports, input checks. */
class LinearizabilityCheckerTest {

  @Test
  void givesUpWithUnknownWhenTheTimeIsUp() {
    // Forty writes that overlap each other, then a read of none of their values: proving that
    // illegal means trying every order of the writes, far more than fits in the time limit.
    List<Operation<KvInput, KvOutput>> history = new ArrayList<>();
    for (int client = 0; client < 40; client++) {
      history.add(Operation.completed(
          client, new KvInput.Put("x", "v" + client), KvOutput.OK, client, 100 + client));
    }
    history.add(Operation.completed(
        40, new KvInput.Get("x"), KvOutput.read("nobody wrote this"), 200, 201));

    long start = System.nanoTime();
    CheckResult result =
        LinearizabilityChecker.check(new KvModel(), history, Duration.ofMillis(100));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(result.explanation()).contains("timed out").contains("key \"x\"");
    assertThat(elapsed).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void explainsAViolationWithTheLongestPrefixAndTheOperationThatCouldNotBePlaced() {
    List<Operation<KvInput, KvOutput>> history = List.of(
        Operation.completed(0, new KvInput.Put("x", "1"), KvOutput.OK, 1, 2),
        Operation.completed(0, new KvInput.Put("x", "2"), KvOutput.OK, 3, 4),
        Operation.completed(1, new KvInput.Get("x"), KvOutput.read("1"), 5, 6));

    CheckResult result = LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(5));

    assertThat(result.verdict()).isEqualTo(Verdict.ILLEGAL);
    assertThat(result.explanation())
        .contains("key \"x\" (partition 1 of 1) is not linearizable")
        .contains("longest linearizable prefix found orders 2 operations")
        .contains("client 0: put(x, 2) -> ok [3, 4]  =>  {x=2}")
        .contains("In state {x=2}")
        .contains("client 1: get(x) -> \"1\" [5, 6]");
  }

  @Test
  void namesPartitionsByPositionWhenTheModelGivesNoName() {
    List<Operation<RegisterModel.Input, RegisterModel.Output>> history = List.of(
        Operation.completed(0, new RegisterModel.Read(), RegisterModel.Output.read(3), 1, 2));

    CheckResult result =
        LinearizabilityChecker.check(new RegisterModel(), history, Duration.ofSeconds(5));

    assertThat(result.verdict()).isEqualTo(Verdict.ILLEGAL);
    assertThat(result.explanation())
        .startsWith("partition 1 of 1 is not linearizable")
        .contains("Not even its first operation can take effect");
  }

  @Test
  void reportsAnOkHistory() {
    List<Operation<KvInput, KvOutput>> history = List.of(
        Operation.completed(0, new KvInput.Put("x", "1"), KvOutput.OK, 1, 2),
        Operation.completed(0, new KvInput.Put("y", "1"), KvOutput.OK, 3, 4));

    CheckResult result = LinearizabilityChecker.check(new KvModel(), history, Duration.ofDays(1));

    assertThat(result.isLinearizable()).isTrue();
    assertThat(result.explanation()).isEqualTo("linearizable: 2 operations in 2 partitions");
  }

  @Test
  void acceptsAnyTimeLimitWithoutOverflow() {
    List<Operation<KvInput, KvOutput>> history = List.of(
        Operation.completed(0, new KvInput.Get("x"), KvOutput.read(null), 1, 2));

    CheckResult result = LinearizabilityChecker.check(
        new KvModel(), history, Duration.ofSeconds(Long.MAX_VALUE));

    assertThat(result.verdict()).isEqualTo(Verdict.OK);
  }

  @Test
  void anOperationCannotReturnBeforeItIsCalled() {
    assertThatThrownBy(() -> Operation.completed(0, new KvInput.Get("x"), KvOutput.OK, 5, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("returns (4) before it is called (5)");
  }

  @Test
  void anOperationWithUnknownOutcomeReturnsAtInfinity() {
    Operation<KvInput, KvOutput> op = Operation.pending(0, new KvInput.Put("x", "1"), 7);

    assertThat(op.outcomeKnown()).isFalse();
    assertThat(op.returnTime()).isEqualTo(Operation.UNKNOWN_RETURN);
    assertThat(op.toString()).isEqualTo("client 0: put(x, 1) -> (outcome unknown) [7, ...]");
  }
}
