package raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static raftkv.storage.Entries.range;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/**
 * What every {@link RaftStorage} promises, run once per implementation (sofa-jraft's
 * BaseLogStorageTest pattern). "Reopen" is a restart that keeps what was synced: for files, close
 * and open again; in memory, a crash.
 */
abstract class RaftStorageContract {

  private RaftStorage storage;

  /** A fresh, empty storage, not yet loaded. */
  abstract RaftStorage create() throws IOException;

  /** The storage a restart finds after {@code old} synced everything; not yet loaded. */
  abstract RaftStorage restart(RaftStorage old) throws IOException;

  RaftStorage fresh() throws IOException {
    storage = create();
    storage.load();
    return storage;
  }

  /** The storage the current test works on. */
  RaftStorage storageUnderTest() {
    return storage;
  }

  /** Syncs, restarts and loads. */
  Recovered reopen() throws IOException {
    storage.sync();
    storage = restart(storage);
    return storage.load();
  }

  @AfterEach
  void closeStorage() throws IOException {
    if (storage != null) storage.close();
  }

  @Test
  void anEmptyStorageLoadsNothing() throws IOException {
    storage = create();
    Recovered r = storage.load();
    assertThat(r.hardState()).isEqualTo(HardState.EMPTY);
    assertThat(r.entries()).isEmpty();
    assertThat(r.warnings()).isEmpty();
    assertThat(storage.lastIndex()).isZero();
  }

  @Test
  void appendedEntriesReadBackAfterReopen() throws IOException {
    fresh().append(range(1, 3, 1));
    storage.append(range(4, 10, 2));
    assertThat(storage.lastIndex()).isEqualTo(10);
    Recovered r = reopen();
    List<Entry> expected = new ArrayList<>(range(1, 3, 1));
    expected.addAll(range(4, 10, 2));
    assertThat(r.entries()).isEqualTo(expected);
    assertThat(r.warnings()).isEmpty();
    assertThat(storage.lastIndex()).isEqualTo(10);
  }

  @Test
  void commandsWithAwkwardCharactersAndNoopsRoundTrip() throws IOException {
    List<Entry> awkward = List.of(Entry.noop(1, 1),
        new Entry(2, 1, "quote \" backslash \\ newline \n tab \t nul \u0000"),
        new Entry(3, 1, "unicode é € 😀 中文"),
        new Entry(4, 1, "{\"op\":\"put\",\"key\":\"a\",\"value\":\"b\"}"),
        new Entry(5, 1, "unpaired \uD800 surrogate"));
    fresh().append(awkward);
    assertThat(reopen().entries()).isEqualTo(awkward);
  }

  @ParameterizedTest(name = "append at {0} onto 1..10")
  @ValueSource(ints = {1, 2, 5, 9, 10, 11})
  void anAppendInsideTheLogTruncatesTheRestFirst(int first) throws IOException {
    fresh().append(range(1, 10, 1));
    storage.sync();
    storage.append(range(first, first + 2, 2));
    assertThat(storage.lastIndex()).isEqualTo(first + 2);
    List<Entry> expected = Entries.applyAppend(range(1, 10, 1), range(first, first + 2, 2));
    assertThat(reopen().entries()).isEqualTo(expected);
  }

  @Test
  void repeatedTruncationsAndAppendsKeepTheLastWriteOfEachIndex() throws IOException {
    fresh().append(range(1, 20, 1));
    storage.append(range(15, 25, 2));
    storage.append(range(3, 4, 3));
    storage.append(range(5, 12, 3));
    storage.append(range(12, 12, 4));
    List<Entry> expected = new ArrayList<>(range(1, 2, 1));
    expected.addAll(range(3, 11, 3));
    expected.add(Entries.entry(12, 4));
    assertThat(reopen().entries()).isEqualTo(expected);
    storage.append(range(13, 14, 4)); // and the log goes on from there
    expected.addAll(range(13, 14, 4));
    assertThat(reopen().entries()).isEqualTo(expected);
  }

  @Test
  void theLastHardStateSavedIsTheOneRecovered() throws IOException {
    fresh().append(range(1, 5, 2));
    storage.saveHardState(new HardState(1, 3, 0));
    storage.saveHardState(new HardState(2, 1, 4));
    Recovered r = reopen();
    assertThat(r.hardState()).isEqualTo(new HardState(2, 1, 4));
    assertThat(reopen().hardState()).isEqualTo(new HardState(2, 1, 4));
  }

  @Test
  void aCommitHintPastTheLogIsClampedWithAWarning() throws IOException {
    fresh().append(range(1, 5, 1));
    storage.saveHardState(new HardState(1, 0, 9));
    Recovered r = reopen();
    assertThat(r.hardState()).isEqualTo(new HardState(1, 0, 5));
    assertThat(r.warnings()).anyMatch(w -> w.contains("commit index 9"));
  }

  @Test
  void anAppendThatSkipsAnIndexIsRejectedAndChangesNothing() throws IOException {
    fresh().append(range(1, 3, 1));
    assertThatThrownBy(() -> storage.append(range(5, 6, 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gap");
    assertThat(storage.lastIndex()).isEqualTo(3);
    assertThat(reopen().entries()).isEqualTo(range(1, 3, 1));
  }

  @Test
  void aBatchWithAHoleIsRejectedAndChangesNothing() throws IOException {
    fresh().append(range(1, 3, 1));
    List<Entry> holey = List.of(Entries.entry(2, 2), Entries.entry(4, 2));
    assertThatThrownBy(() -> storage.append(holey))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contiguous");
    assertThat(reopen().entries()).isEqualTo(range(1, 3, 1));
  }

  @Test
  void theFirstAppendMustStartAtIndexOne() throws IOException {
    assertThatThrownBy(() -> fresh().append(range(2, 3, 1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anEmptyAppendDoesNothing() throws IOException {
    fresh().append(List.of());
    assertThat(storage.lastIndex()).isZero();
    assertThat(reopen().entries()).isEmpty();
  }

  /** The recovered log is a contiguous run of {@code expected} that ends where it ends. */
  static void assertSuffixOf(List<Entry> recovered, List<Entry> expected, long keptFrom) {
    assertThat(recovered).isNotEmpty();
    long first = recovered.get(0).index();
    assertThat(first).as("entries from %d on must stay", keptFrom).isLessThanOrEqualTo(keptFrom);
    assertThat(recovered).isEqualTo(expected.subList((int) first - 1, expected.size()));
  }

  @ParameterizedTest(name = "compact({0}) of 1..60")
  @ValueSource(ints = {1, 2, 17, 30, 59, 60})
  void afterACompactionTheLogKeepsWhatIsAskedForAppendsAndReloads(int keepFrom)
      throws IOException {
    fresh();
    for (long i = 1; i <= 60; i += 4) storage.append(range(i, i + 3, 1));
    storage.sync();
    storage.compact(keepFrom);
    assertThat(storage.lastIndex()).isEqualTo(60);
    List<Entry> expected = new ArrayList<>(range(1, 60, 1));
    assertSuffixOf(reopen().entries(), expected, keepFrom);

    storage.append(range(61, 70, 2));
    expected.addAll(range(61, 70, 2));
    assertThat(storage.lastIndex()).isEqualTo(70);
    assertSuffixOf(reopen().entries(), expected, keepFrom);
  }

  @Test
  void aCompactionPastTheEndKeepsTheLastIndexAndTheLogGoesOn() throws IOException {
    fresh();
    for (long i = 1; i <= 60; i += 4) storage.append(range(i, i + 3, 1));
    storage.sync();
    storage.compact(61);
    assertThat(storage.lastIndex()).isEqualTo(60);
    storage.append(range(61, 63, 2));
    List<Entry> expected = new ArrayList<>(range(1, 60, 1));
    expected.addAll(range(61, 63, 2));
    Recovered r = reopen();
    assertSuffixOf(r.entries(), expected, 61);
    assertThat(storage.lastIndex()).isEqualTo(63);
  }

  @Test
  void aTruncationAfterACompactionCutsOnlyTheKeptPart() throws IOException {
    fresh();
    for (long i = 1; i <= 60; i += 4) storage.append(range(i, i + 3, 1));
    storage.sync();
    storage.compact(30);
    storage.append(range(50, 52, 3));
    assertThat(storage.lastIndex()).isEqualTo(52);
    List<Entry> expected = Entries.applyAppend(range(1, 60, 1), range(50, 52, 3));
    assertSuffixOf(reopen().entries(), expected, 30);
  }

  @Test
  void compactingTwiceAndBackwardsIsHarmless() throws IOException {
    fresh();
    for (long i = 1; i <= 60; i += 4) storage.append(range(i, i + 3, 1));
    storage.sync();
    storage.compact(40);
    storage.compact(40);
    storage.compact(10);
    assertSuffixOf(reopen().entries(), range(1, 60, 1), 40);
  }

  @ParameterizedTest(name = "resetLog({0}) of 1..30")
  @ValueSource(ints = {0, 10, 30, 31, 500})
  void afterAResetTheNextAppendFollowsTheSnapshotAndReloadsFromThere(int snapshot)
      throws IOException {
    fresh().append(range(1, 30, 1));
    storage.sync();
    storage.resetLog(snapshot);
    assertThat(storage.lastIndex()).isEqualTo(snapshot);
    assertThatThrownBy(() -> storage.append(range(snapshot + 2, snapshot + 2, 2)))
        .isInstanceOf(IllegalArgumentException.class);

    storage.append(range(snapshot + 1, snapshot + 12, 2));
    assertThat(storage.lastIndex()).isEqualTo(snapshot + 12);
    Recovered r = reopen();
    assertThat(r.entries()).isEqualTo(range(snapshot + 1, snapshot + 12, 2));
    assertThat(r.warnings()).isEmpty();
    assertThat(storage.lastIndex()).isEqualTo(snapshot + 12);

    storage.append(range(snapshot + 13, snapshot + 14, 3)); // and it goes on from there
    List<Entry> expected = new ArrayList<>(range(snapshot + 1, snapshot + 12, 2));
    expected.addAll(range(snapshot + 13, snapshot + 14, 3));
    assertThat(reopen().entries()).isEqualTo(expected);
  }

  @Test
  void aResetDiscardsUnsyncedAppendsToo() throws IOException {
    fresh().append(range(1, 10, 1));
    storage.sync();
    storage.append(range(11, 20, 1));
    storage.resetLog(15);
    storage.append(range(16, 17, 2));
    assertThat(reopen().entries()).isEqualTo(range(16, 17, 2));
  }

  @Test
  void aResetLogCanBeCompacted() throws IOException {
    fresh().append(range(1, 10, 1));
    storage.resetLog(100);
    for (long i = 101; i <= 160; i += 4) storage.append(range(i, i + 3, 2));
    storage.sync();
    storage.compact(130);
    List<Entry> expected = new ArrayList<>(range(1, 100, 1));
    expected.addAll(range(101, 160, 2));
    Recovered r = reopen();
    assertSuffixOf(r.entries(), expected, 130);
    assertThat(r.entries().get(0).index()).isGreaterThan(100);
  }

  @ParameterizedTest(name = "append at {0} after resetLog(20)")
  @ValueSource(ints = {20, 15, 1})
  void anAppendAtOrBelowTheResetPointStartsTheLogThere(int first) throws IOException {
    fresh().append(range(1, 10, 1));
    storage.sync();
    storage.resetLog(20);
    storage.append(range(first, 25, 2));
    assertThat(storage.lastIndex()).isEqualTo(25);
    assertThat(reopen().entries()).isEqualTo(range(first, 25, 2));
  }

  @Test
  void anAppendBelowTheCompactedStartReplacesTheWholeLog() throws IOException {
    fresh();
    for (long i = 1; i <= 60; i += 4) storage.append(range(i, i + 3, 1));
    storage.sync();
    storage.compact(50);
    Recovered before = reopen();
    long first = before.entries().get(0).index();
    assertThat(first).isGreaterThan(1);
    storage.append(range(first - 1, first + 2, 3));
    assertThat(storage.lastIndex()).isEqualTo(first + 2);
    assertThat(reopen().entries()).isEqualTo(range(first - 1, first + 2, 3));
  }

  @Test
  void writesBeforeLoadAreRefused() throws IOException {
    storage = create();
    assertThatThrownBy(() -> storage.append(range(1, 1, 1)))
        .isInstanceOf(IllegalStateException.class);
  }
}
