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

  @Test
  void writesBeforeLoadAreRefused() throws IOException {
    storage = create();
    assertThatThrownBy(() -> storage.append(range(1, 1, 1)))
        .isInstanceOf(IllegalStateException.class);
  }
}
