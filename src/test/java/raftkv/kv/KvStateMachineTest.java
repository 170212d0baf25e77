package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static raftkv.kv.KvCommand.ANY_REVISION;
import static raftkv.kv.KvCommand.IF_ABSENT;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Put;
import raftkv.raft.Entry;

/** Each test: build a store by applying entries, act, check the results and the state. */
class KvStateMachineTest {

  private KvStateMachine kv = new KvStateMachine();

  // ---- puts, gets, revisions

  @Test
  void putThenGetReturnsTheValueAndItsRevisions() {
    assertThat(put("a", "hello")).isEqualTo(KvResult.put(1));

    KeyValue a = kv.get("a").orElseThrow();
    assertThat(a).isEqualTo(new KeyValue("a", bytes("hello"), 1, 1, 1));
    assertThat(kv.get("b")).isEmpty();
    assertThat(kv.size()).isEqualTo(1);
  }

  @Test
  void everyWriteRaisesTheStoreRevisionByOne() {
    assertThat(List.of(put("a", "1"), put("b", "2"), put("a", "3"), delete("b"), put("c", "4")))
        .extracting(KvResult::revision)
        .containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(kv.revision()).isEqualTo(5);
  }

  @Test
  void updatesCountVersionsAndKeepTheCreateRevision() {
    put("a", "v1");
    put("other", "x");
    put("a", "v2");
    put("a", "v3");

    assertThat(kv.get("a")).contains(new KeyValue("a", bytes("v3"), 1, 4, 3));
  }

  @Test
  void aKeyDeletedAndCreatedAgainStartsOver() {
    put("a", "old");
    put("a", "older");
    assertThat(delete("a")).isEqualTo(KvResult.delete(3, true));
    assertThat(kv.get("a")).isEmpty();

    put("a", "new");

    assertThat(kv.get("a")).contains(new KeyValue("a", bytes("new"), 4, 4, 1));
  }

  @Test
  void deletingAnAbsentKeyChangesNothingAndTakesNoRevision() {
    put("a", "v");

    assertThat(delete("nope")).isEqualTo(KvResult.delete(1, false));
    assertThat(kv.revision()).isEqualTo(1);
    assertThat(kv.size()).isEqualTo(1);
  }

  @Test
  void valuesAreStoredVerbatim() {
    byte[] everyByte = new byte[256];
    for (int i = 0; i < everyByte.length; i++) everyByte[i] = (byte) i;

    apply(new Put("bin", everyByte));

    assertThat(kv.get("bin").orElseThrow().value()).containsExactly(everyByte);
  }

  // ---- conditions (compare-and-set)

  /**
   * Before each case: "k" was created at revision 2 and "other" written at 1 and 3, so the key's
   * modification revision (2) differs from the store revision (3).
   */
  static Stream<Arguments> conditionalWrites() {
    return Stream.of(
        row("put k, any revision", new Put("k", bytes("new"), ANY_REVISION, null), KvResult.put(4)),
        row("put k, prev = its mod revision", new Put("k", bytes("new"), 2, null), KvResult.put(4)),
        row("put k, prev = the store revision", new Put("k", bytes("new"), 3, null),
            KvResult.compareFailed(2)),
        row("put k, prev stale", new Put("k", bytes("new"), 1, null), KvResult.compareFailed(2)),
        row("put k, only if absent", new Put("k", bytes("new"), IF_ABSENT, null),
            KvResult.compareFailed(2)),
        row("put absent key, only if absent", new Put("n", bytes("new"), IF_ABSENT, null),
            KvResult.put(4)),
        row("put absent key, prev 2", new Put("n", bytes("new"), 2, null),
            KvResult.compareFailed(0)),
        row("delete k, any revision", new Delete("k", ANY_REVISION, null),
            KvResult.delete(4, true)),
        row("delete k, prev = its mod revision", new Delete("k", 2, null),
            KvResult.delete(4, true)),
        row("delete k, prev = the store revision", new Delete("k", 3, null),
            KvResult.compareFailed(2)),
        row("delete k, only if absent", new Delete("k", IF_ABSENT, null),
            KvResult.compareFailed(2)),
        row("delete absent key, any revision", new Delete("n", ANY_REVISION, null),
            KvResult.delete(3, false)),
        row("delete absent key, only if absent", new Delete("n", IF_ABSENT, null),
            KvResult.delete(3, false)),
        row("delete absent key, prev 2", new Delete("n", 2, null), KvResult.compareFailed(0)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conditionalWrites")
  void conditionalWrite(String description, KvCommand command, KvResult expected) {
    put("other", "x");
    put("k", "old");
    put("other", "y");
    KeyValue kBefore = kv.get("k").orElseThrow();

    KvResult result = apply(command);

    assertThat(result).isEqualTo(expected);
    if (!result.isOk()) {
      assertThat(kv.revision()).isEqualTo(3);
      assertThat(kv.get("k")).contains(kBefore);
      assertThat(kv.get("n")).isEmpty();
    }
  }

  // ---- prefix listing

  @Test
  void rangeListsKeysWithThePrefixInKeyOrder() {
    for (String key : List.of("b", "a/😀", "a/z", "ab", "a/c", "a", "a/\uFFFD", "a/b", "a/ü")) {
      put(key, key);
    }

    assertThat(keysOf(kv.range("a/", 100)))
        // String order: 'z' < 'ü' < the surrogate pair of 😀 (U+1F600) < U+FFFD
        .containsExactly("a/b", "a/c", "a/z", "a/ü", "a/😀", "a/\uFFFD");
    assertThat(keysOf(kv.range("a", 100)))
        .containsExactly("a", "a/b", "a/c", "a/z", "a/ü", "a/😀", "a/\uFFFD", "ab");
    assertThat(keysOf(kv.range("", 100))).hasSize(9).startsWith("a").endsWith("b");
    assertThat(keysOf(kv.range("a/ü", 100))).containsExactly("a/ü");
    assertThat(kv.range("c", 100)).isEmpty();
  }

  @Test
  void rangeStopsAtTheLimit() {
    for (String key : List.of("p/3", "p/1", "q", "p/2")) put(key, key);

    assertThat(keysOf(kv.range("p/", 2))).containsExactly("p/1", "p/2");
    assertThat(keysOf(kv.range("p/", 1))).containsExactly("p/1");
    assertThatThrownBy(() -> kv.range("p/", 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rangeReturnsRevisionsAlongWithValues() {
    put("d/x", "1");
    put("d/x", "2");

    assertThat(kv.range("d/", 10)).containsExactly(new KeyValue("d/x", bytes("2"), 1, 2, 2));
  }

  // ---- no-ops, invalid entries, apply order

  @Test
  void aNoopOnlyAdvancesTheAppliedIndex() {
    put("a", "v");

    KvResult result = kv.apply(Entry.noop(2, 2));

    assertThat(result).isEqualTo(KvResult.noop(1));
    assertThat(kv.appliedIndex()).isEqualTo(2);
    assertThat(kv.revision()).isEqualTo(1);
    assertThat(kv.get("a")).contains(new KeyValue("a", bytes("v"), 1, 1, 1));
  }

  @Test
  void anUndecodableCommandIsAnsweredInvalidAndChangesNothing() {
    put("a", "v");
    String digestBefore = kv.digest();

    KvResult garbage = kv.apply(new Entry(2, 1, "{\"op\":\"frob\"}"));
    KvResult notJson = kv.apply(new Entry(3, 1, "put a v"));

    assertThat(garbage.status()).isEqualTo(KvResult.Status.INVALID);
    assertThat(garbage.error()).contains("unknown op \"frob\"");
    assertThat(garbage.revision()).isEqualTo(1);
    assertThat(notJson.status()).isEqualTo(KvResult.Status.INVALID);
    assertThat(kv.appliedIndex()).isEqualTo(3);
    assertThat(kv.digest()).isEqualTo(digestBefore);
  }

  @Test
  void everyNodeAnswersAnUndecodableCommandAlike() {
    KvStateMachine other = new KvStateMachine();
    Entry garbage = new Entry(1, 1, "{\"op\":\"put\",\"key\":\"a\",\"value\":\"%%%\"}");

    assertThat(kv.apply(garbage)).isEqualTo(other.apply(garbage));
  }

  @Test
  void entriesMustBeAppliedInIndexOrderExactlyOnce() {
    put("a", "v");

    assertThatThrownBy(() -> kv.apply(new Entry(3, 1, new Put("a", bytes("w")).encode())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("last applied index is 1");
    assertThatThrownBy(() -> kv.apply(new Entry(1, 1, new Put("a", bytes("w")).encode())))
        .isInstanceOf(IllegalStateException.class);
    assertThat(kv.appliedIndex()).isEqualTo(1);
    assertThat(kv.get("a").orElseThrow().value()).isEqualTo(bytes("v"));
  }

  // ---- exactly-once retries

  @Test
  void aRetriedRequestIsNotAppliedAgainAndGetsTheFirstResult() {
    Put first = new Put("a", bytes("first"), ANY_REVISION, "req-1");
    apply(first);
    put("a", "second");

    KvResult retry = apply(first);

    assertThat(retry).isEqualTo(KvResult.put(1));
    assertThat(kv.revision()).isEqualTo(2);
    assertThat(kv.get("a").orElseThrow().value()).isEqualTo(bytes("second"));
  }

  @Test
  void aRetriedCompareAndSetGetsItsSuccessEvenThoughTheComparisonWouldNowFail() {
    Put createOnce = new Put("lock", bytes("me"), IF_ABSENT, "req-1");
    assertThat(apply(createOnce)).isEqualTo(KvResult.put(1));

    assertThat(apply(createOnce)).isEqualTo(KvResult.put(1));
    assertThat(kv.get("lock")).contains(new KeyValue("lock", bytes("me"), 1, 1, 1));
  }

  @Test
  void aRetriedFailedComparisonGetsItsFailureEvenThoughTheComparisonWouldNowHold() {
    Put casOnAbsent = new Put("a", bytes("v"), 1, "req-1");
    assertThat(apply(casOnAbsent)).isEqualTo(KvResult.compareFailed(0));
    put("a", "now at revision 1");

    assertThat(apply(casOnAbsent)).isEqualTo(KvResult.compareFailed(0));
    assertThat(kv.revision()).isEqualTo(1);
  }

  @Test
  void aRetriedDeleteDoesNotDeleteTheKeyCreatedAgain() {
    put("a", "v");
    Delete deleteOnce = new Delete("a", ANY_REVISION, "req-1");
    assertThat(apply(deleteOnce)).isEqualTo(KvResult.delete(2, true));
    put("a", "back");

    assertThat(apply(deleteOnce)).isEqualTo(KvResult.delete(2, true));
    assertThat(kv.get("a")).isPresent();
  }

  @Test
  void anIdIsRememberedForItsRetentionOnTheLogsClockHoweverManyOthersCome() {
    Put r1 = new Put("x", bytes("1"), ANY_REVISION, "r1");
    assertThat(applyAt(1_000, r1, 60_000)).isEqualTo(KvResult.put(1));
    for (int i = 0; i < 200_000; i++) {
      applyAt(1_000 + i / 10, new Put("y", bytes("v"), ANY_REVISION, "other-" + i), 60_000);
    }

    assertThat(applyAt(60_999, r1, 60_000)).as("within the retention: the first result")
        .isEqualTo(KvResult.put(1));
    assertThat(kv.revision()).isEqualTo(200_001);
    assertThat(applyAt(61_000, r1, 60_000)).as("retention over: applied again")
        .isEqualTo(KvResult.put(200_002));
  }

  @Test
  void idsExpireByTheirOwnRetentionAndTheLogsClockNeverGoesBack() {
    Put shortLived = new Put("x", bytes("1"), ANY_REVISION, "gw-1");
    Put longLived = new Put("x", bytes("2"), ANY_REVISION, "client-1");
    applyAt(10_000, longLived, 600_000);
    applyAt(10_000, shortLived, 60_000);
    put("z", "an unstamped write leaves the clock where it is");
    applyAt(5_000, new Put("z", bytes("a leader whose clock is behind")), 0);
    assertThat(kv.logClockMs()).isEqualTo(10_000);

    applyAt(70_000, new Put("z", bytes("time passes")), 0);

    assertThat(kv.remembersRequestId("gw-1")).isFalse();
    assertThat(kv.remembersRequestId("client-1")).isTrue();
    assertThat(kv.requestIdCount()).isEqualTo(1);
  }

  @Test
  void anIdReusedForAnotherRequestIsRefusedAndChangesNothing() {
    applyAt(1_000, new Put("a", bytes("first"), ANY_REVISION, "req-1"), 60_000);
    long revision = kv.revision();

    List<KvCommand> others = List.of(
        new Put("a", bytes("other value"), ANY_REVISION, "req-1"),
        new Put("b", bytes("first"), ANY_REVISION, "req-1"),
        new Put("a", bytes("first"), 1, "req-1"),
        new Delete("a", ANY_REVISION, "req-1"));
    for (KvCommand other : others) {
      assertThat(applyAt(2_000, other, 60_000)).as(other.toString())
          .isEqualTo(KvResult.requestIdReused(revision));
    }

    assertThat(kv.get("a").orElseThrow().value()).isEqualTo(bytes("first"));
    assertThat(kv.get("b")).isEmpty();
    assertThat(applyAt(3_000, new Put("a", bytes("first"), ANY_REVISION, "req-1"), 60_000))
        .as("the real retry still gets its first result").isEqualTo(KvResult.put(1));
  }

  @Test
  void idsFromBeforeTimeStampsCountTheirRetentionFromTheFirstStamp() {
    apply(new Put("a", bytes("old"), ANY_REVISION, "legacy-1")); // an entry without stamps
    assertThat(kv.logClockMs()).isZero();

    applyAt(1_700_000_000_000L, new Put("b", bytes("v")), 0);

    assertThat(kv.remembersRequestId("legacy-1")).as("not expired by the jump from 0").isTrue();
    applyAt(1_700_000_000_000L + RequestDedup.UNSTAMPED_KEEP_MS, new Put("b", bytes("v")), 0);
    assertThat(kv.remembersRequestId("legacy-1")).isFalse();
  }

  @Test
  void aClockEntryOnlyMovesTheClockAndForgetsWhatExpired() {
    applyAt(1_000, new Put("a", bytes("v"), ANY_REVISION, "id-1"), 5_000);
    long revision = kv.revision();

    KvResult result = kv.apply(new Entry(kv.appliedIndex() + 1, 1,
        LoggedCommand.clock(6_000).encode()));

    assertThat(result).isEqualTo(KvResult.noop(revision));
    assertThat(kv.logClockMs()).isEqualTo(6_000);
    assertThat(kv.remembersRequestId("id-1")).isFalse();
  }

  @Test
  void aRetentionTooLongToAddIsRememberedForEverNotForgottenAtOnce() {
    applyAt(1_000, new Put("a", bytes("v"), ANY_REVISION, "id-1"), Long.MAX_VALUE - 10);
    applyAt(2_000, new Put("b", bytes("v")), 0);

    assertThat(kv.remembersRequestId("id-1")).isTrue();
    assertThat(KvSnapshotTest.roundTrip(kv).remembersRequestId("id-1")).isTrue();
  }

  @Test
  void theTableCountsItsMemory() {
    assertThat(kv.requestIdBytes()).isZero();
    applyAt(1_000, new Put("a", bytes("v"), ANY_REVISION, "id-1"), 60_000);
    applyAt(1_000, new Put("a", bytes("v"), ANY_REVISION, "id-22"), 60_000);

    assertThat(kv.requestIdBytes()).isEqualTo(2 * RequestDedup.BYTES_PER_ID + 2 * (4 + 5));
    applyAt(100_000, new Put("a", bytes("v")), 0);
    assertThat(kv.requestIdBytes()).isZero();
  }

  // ---- digest

  @Test
  void theDigestCoversContentNotTheAppliedIndex() {
    KvStateMachine withNoops = new KvStateMachine();
    withNoops.apply(Entry.noop(1, 1));
    withNoops.apply(new Entry(2, 1, new Put("a", bytes("v")).encode()));
    withNoops.apply(Entry.noop(3, 2));

    put("a", "v");

    assertThat(withNoops.appliedIndex()).isNotEqualTo(kv.appliedIndex());
    assertThat(withNoops.digest()).isEqualTo(kv.digest()).hasSize(64);
  }

  @Test
  void theDigestChangesWhenOneValueDiffers() {
    KvStateMachine other = new KvStateMachine();
    put("a", "value");
    other.apply(new Entry(1, 1, new Put("a", bytes("valuf")).encode()));

    assertThat(other.digest()).isNotEqualTo(kv.digest());
  }

  @Test
  void theDigestCoversTheRememberedRequestIds() {
    KvStateMachine other = new KvStateMachine();
    apply(new Put("a", bytes("v"), ANY_REVISION, "req-1"));
    other.apply(new Entry(1, 1, new Put("a", bytes("v")).encode()));

    assertThat(other.get("a")).isEqualTo(kv.get("a"));
    assertThat(other.digest()).isNotEqualTo(kv.digest());
  }

  // ---- helpers

  private KvResult apply(KvCommand command) {
    return kv.apply(new Entry(kv.appliedIndex() + 1, 1, command.encode()));
  }

  /** Applies {@code command} as a leader stamps it: at {@code timeMs}, its id kept that long. */
  private KvResult applyAt(long timeMs, KvCommand command, long keepIdMs) {
    String stamped = LoggedCommand.stamp(command, timeMs, keepIdMs).encode();
    return kv.apply(new Entry(kv.appliedIndex() + 1, 1, stamped));
  }

  private KvResult put(String key, String value) {
    return apply(new Put(key, bytes(value)));
  }

  private KvResult delete(String key) {
    return apply(new Delete(key));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> keysOf(List<KeyValue> keyValues) {
    return keyValues.stream().map(KeyValue::key).toList();
  }

  private static Arguments row(String description, KvCommand command, KvResult expected) {
    return Arguments.of(description, command, expected);
  }
}
