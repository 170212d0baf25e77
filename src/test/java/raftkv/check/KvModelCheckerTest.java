package raftkv.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Hand-written key-value histories with {@link KvModel}, linearizable or not. Times are logical:
 * an operation is called at its first number and returns at its second.
 */
class KvModelCheckerTest {

  private final List<Operation<KvInput, KvOutput>> history = new ArrayList<>();

  @Nested
  class Violations {

    @Test
    void staleRead() {
      put(0, "x", "1", 1, 2);
      put(0, "x", "2", 3, 4);
      get(1, "x", "2", 5, 6);
      get(2, "x", "1", 7, 8); // the older value, after the newer one was read

      assertIllegalOnKey("x");
    }

    @Test
    void lostWrite() {
      put(0, "x", "1", 1, 2);
      put(1, "x", "2", 3, 4); // acknowledged, and never seen
      get(2, "x", "1", 5, 6);
      get(0, "x", "1", 7, 8);

      assertIllegalOnKey("x");
    }

    @Test
    void readOfAValueNeverWritten() {
      put(0, "x", "1", 1, 2);
      get(1, "x", "7", 3, 4);

      assertIllegalOnKey("x");
    }

    @Test
    void readOfAWriteThatHadNotBeenCalledYet() {
      get(0, "x", "1", 1, 2);
      put(1, "x", "1", 3, 4);

      assertIllegalOnKey("x");
    }

    @Test
    void readThatSeesADeletedKey() {
      put(0, "x", "1", 1, 2);
      delete(0, "x", 3, 4);
      get(1, "x", "1", 5, 6);

      assertIllegalOnKey("x");
    }

    @Test
    void readOfAnAbsentKeyAfterAWrite() {
      put(0, "x", "1", 1, 2);
      get(1, "x", null, 3, 4);

      assertIllegalOnKey("x");
    }

    @Test
    void onlyTheKeyThatFailsIsNamed() {
      put(0, "x", "1", 1, 2);
      put(0, "y", "1", 3, 4);
      get(1, "x", "1", 5, 6);
      get(1, "y", "2", 7, 8);

      CheckResult result = check();

      assertThat(result.verdict()).isEqualTo(Verdict.ILLEGAL);
      assertThat(result.explanation()).contains("key \"y\"").doesNotContain("key \"x\"");
    }
  }

  @Nested
  class ConcurrentOperations {

    @Test
    void overlappingWritesMayTakeEffectInEitherOrder() {
      put(0, "x", "1", 1, 10);
      put(1, "x", "2", 2, 9);
      get(2, "x", "2", 3, 4); // 2 took effect first...
      get(3, "x", "1", 11, 12); // ...then 1

      assertLinearizable();
    }

    @Test
    void aReadOverlappingAWriteMaySeeTheOldOrTheNewValue() {
      put(0, "x", "1", 1, 2);
      put(1, "x", "2", 3, 10);
      get(2, "x", "1", 4, 5);
      get(3, "x", "2", 6, 7);
      get(2, "x", "2", 8, 9);

      assertLinearizable();
    }

    @Test
    void butNotTheOldValueAfterTheNewOneWasSeen() {
      put(0, "x", "1", 1, 2);
      put(1, "x", "2", 3, 10);
      get(2, "x", "2", 4, 5);
      get(3, "x", "1", 6, 7);

      assertIllegalOnKey("x");
    }

    @Test
    void operationsWhoseIntervalsTouchAreConcurrent() {
      put(0, "x", "1", 1, 5);
      get(1, "x", null, 5, 6); // called at the instant the put returned: it may come first

      assertLinearizable();
    }
  }

  @Nested
  class UnknownOutcomes {

    @Test
    void aWriteWithUnknownOutcomeMayBeSeen() {
      put(0, "x", "1", 1, 2);
      pendingPut(1, "x", "2", 3);
      get(2, "x", "2", 10, 11);

      assertLinearizable();
    }

    @Test
    void aWriteWithUnknownOutcomeMayNeverBeSeen() {
      put(0, "x", "1", 1, 2);
      pendingPut(1, "x", "2", 3);
      get(2, "x", "1", 10, 11);
      get(2, "x", "1", 12, 13);

      assertLinearizable();
    }

    @Test
    void aWriteWithUnknownOutcomeMayTakeEffectLongAfterItsCall() {
      pendingPut(1, "x", "2", 1);
      put(0, "x", "1", 2, 3);
      get(2, "x", "1", 4, 5);
      get(2, "x", "2", 6, 7);

      assertLinearizable();
    }

    @Test
    void butOnceSeenItCannotBeUndone() {
      put(0, "x", "1", 1, 2);
      pendingPut(1, "x", "2", 3);
      get(2, "x", "2", 4, 5);
      get(2, "x", "1", 6, 7);

      assertIllegalOnKey("x");
    }

    @Test
    void norSeenBeforeItWasCalled() {
      get(0, "x", "2", 1, 2);
      pendingPut(1, "x", "2", 3);

      assertIllegalOnKey("x");
    }

    @Test
    void aCasWithUnknownOutcomeMaySwapOrNot() {
      put(0, "x", "1", 1, 2);
      pendingCas(1, "x", "1", "2", 3);
      get(2, "x", "1", 4, 5);
      get(2, "x", "2", 6, 7);

      assertLinearizable();
    }

    @Test
    void aCasWithUnknownOutcomeCannotSwapFromAnotherValue() {
      put(0, "x", "1", 1, 2);
      pendingCas(1, "x", "3", "2", 3);
      get(2, "x", "2", 4, 5);

      assertIllegalOnKey("x");
    }
  }

  @Nested
  class CompareAndSet {

    @Test
    void swapsWhenTheValueIsTheExpectedOne() {
      put(0, "x", "1", 1, 2);
      cas(1, "x", "1", "2", true, 3, 4);
      cas(1, "x", "1", "3", false, 5, 6);
      get(2, "x", "2", 7, 8);

      assertLinearizable();
    }

    @Test
    void aSwapFromAnotherValueIsIllegal() {
      put(0, "x", "1", 1, 2);
      cas(1, "x", "5", "2", true, 3, 4);

      assertIllegalOnKey("x");
    }

    @Test
    void aFailedCompareOfTheCurrentValueIsIllegal() {
      put(0, "x", "1", 1, 2);
      cas(1, "x", "1", "2", false, 3, 4);

      assertIllegalOnKey("x");
    }

    @Test
    void aNullExpectedValueSwapsOnlyAnAbsentKey() {
      cas(0, "x", null, "1", true, 1, 2);
      cas(1, "x", null, "2", false, 3, 4);
      get(2, "x", "1", 5, 6);

      assertLinearizable();
    }

    @Test
    void aNullExpectedValueDoesNotSwapAPresentKey() {
      put(0, "x", "1", 1, 2);
      cas(1, "x", null, "2", true, 3, 4);

      assertIllegalOnKey("x");
    }

    @Test
    void twoConcurrentSwapsFromTheSameValueCannotBothSucceed() {
      put(0, "x", "1", 1, 2);
      cas(1, "x", "1", "2", true, 3, 6);
      cas(2, "x", "1", "3", true, 4, 5);

      assertIllegalOnKey("x");
    }
  }

  @Nested
  class AbsentKeys {

    @Test
    void aKeyNeverWrittenReadsAbsent() {
      get(0, "x", null, 1, 2);
      put(1, "y", "1", 3, 4);
      get(0, "x", null, 5, 6);

      assertLinearizable();
    }

    @Test
    void aDeletedKeyReadsAbsent() {
      put(0, "x", "1", 1, 2);
      delete(1, "x", 3, 4);
      get(0, "x", null, 5, 6);

      assertLinearizable();
    }

    @Test
    void deletingAnAbsentKeyIsFine() {
      delete(0, "x", 1, 2);
      delete(1, "x", 3, 4);
      get(0, "x", null, 5, 6);

      assertLinearizable();
    }

    @Test
    void theEmptyHistoryIsLinearizable() {
      assertLinearizable();
    }
  }

  private void put(int client, String key, String value, long call, long ret) {
    add(client, new KvInput.Put(key, value), KvOutput.OK, call, ret);
  }

  private void get(int client, String key, String read, long call, long ret) {
    add(client, new KvInput.Get(key), KvOutput.read(read), call, ret);
  }

  private void delete(int client, String key, long call, long ret) {
    add(client, new KvInput.Delete(key), KvOutput.OK, call, ret);
  }

  private void cas(
      int client, String key, String expected, String value, boolean swapped, long call, long ret) {
    add(client, new KvInput.Cas(key, expected, value), KvOutput.swapped(swapped), call, ret);
  }

  private void pendingPut(int client, String key, String value, long call) {
    history.add(Operation.pending(client, new KvInput.Put(key, value), call));
  }

  private void pendingCas(int client, String key, String expected, String value, long call) {
    history.add(Operation.pending(client, new KvInput.Cas(key, expected, value), call));
  }

  private void add(int client, KvInput input, KvOutput output, long call, long ret) {
    history.add(Operation.completed(client, input, output, call, ret));
  }

  private CheckResult check() {
    return LinearizabilityChecker.check(new KvModel(), history, Duration.ofSeconds(5));
  }

  private void assertLinearizable() {
    CheckResult result = check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.OK);
  }

  private void assertIllegalOnKey(String key) {
    CheckResult result = check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.ILLEGAL);
    assertThat(result.explanation()).contains("key \"" + key + "\"");
  }
}
