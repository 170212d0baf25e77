package raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static raftkv.storage.Entries.range;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/** The contract, with a restart being a crash, plus the crash model itself. */
class MemoryRaftStorageTest extends RaftStorageContract {

  @Override
  RaftStorage create() {
    return new MemoryRaftStorage();
  }

  @Override
  RaftStorage restart(RaftStorage old) {
    return ((MemoryRaftStorage) old).powerLoss(new SplittableRandom(7));
  }

  @Test
  void aCrashKeepsTheSyncedLogAndAPrefixOfTheUnsyncedAppends() {
    List<Entry> synced = range(1, 10, 1);
    List<Entry> extended = Entries.applyAppend(synced, range(11, 15, 1));
    List<Entry> rewritten = Entries.applyAppend(extended, range(8, 12, 2));
    Set<List<Entry>> allowed = new HashSet<>();
    for (int k = 0; k <= 5; k++) {
      allowed.add(extended.subList(0, 10 + k)); // the first append torn after k entries
      allowed.add(rewritten.subList(0, 7 + k)); // the second one truncated, then k entries
    }
    Set<List<Entry>> seen = new HashSet<>();
    SplittableRandom random = new SplittableRandom(42);
    for (int round = 0; round < 300; round++) {
      MemoryRaftStorage s = new MemoryRaftStorage();
      s.load();
      s.append(synced);
      s.sync();
      s.append(range(11, 15, 1));
      s.saveHardState(new HardState(2, 1, 0));
      s.append(range(8, 12, 2));
      Recovered r = s.powerLoss(random).load();
      assertThat(allowed).contains(r.entries());
      assertThat(r.hardState().term()).isEqualTo(2); // saved before the crash: kept whole
      seen.add(r.entries());
    }
    assertThat(seen).contains(synced, extended, rewritten, rewritten.subList(0, 7));
  }

  @Test
  void aCrashRightAfterSyncLosesNothing() {
    MemoryRaftStorage s = new MemoryRaftStorage();
    s.load();
    s.append(range(1, 10, 1));
    s.append(range(4, 6, 2));
    s.sync();
    for (int seed = 0; seed < 50; seed++) {
      assertThat(s.powerLoss(new SplittableRandom(seed)).load().entries()).isEqualTo(s.entries());
    }
  }

  @Test
  void aKilledProcessLeavesItsUnsyncedAppendsReadableAndTheRestartMakesThemDurable() {
    MemoryRaftStorage s = new MemoryRaftStorage();
    s.load();
    s.append(range(1, 5, 1));
    MemoryRaftStorage restarted = s.kill();
    assertThat(restarted.syncedEntries()).as("still only in the page cache").isEmpty();

    assertThat(restarted.load().entries()).isEqualTo(range(1, 5, 1));

    assertThat(restarted.syncedEntries()).isEqualTo(range(1, 5, 1));
    for (int seed = 0; seed < 20; seed++) {
      assertThat(restarted.powerLoss(new SplittableRandom(seed)).load().entries())
          .isEqualTo(range(1, 5, 1));
    }
  }

  @Test
  void aRestartThatTrustsWhatItReadsLeavesKilledAppendsOnePowerLossFromVanishing() {
    MemoryRaftStorage s = new MemoryRaftStorage(true);
    s.load();
    s.append(range(1, 5, 1));
    MemoryRaftStorage restarted = s.kill();

    assertThat(restarted.load().entries()).isEqualTo(range(1, 5, 1));

    assertThat(restarted.syncedEntries()).isEmpty();
    Set<Integer> survivors = new HashSet<>();
    for (int seed = 0; seed < 50; seed++) {
      survivors.add(restarted.powerLoss(new SplittableRandom(seed)).load().entries().size());
    }
    assertThat(survivors).contains(0);
  }

  @Test
  void aHardStateWhoseSaveWasCutShortByAKillMayBeReadButIsNotDurableUntilTheRestartSyncsIt() {
    HardState old = new HardState(2, 1, 0);
    HardState saving = new HardState(3, 2, 0);
    Set<HardState> seen = new HashSet<>();
    for (int seed = 0; seed < 20; seed++) {
      for (boolean trust : new boolean[] {false, true}) {
        MemoryRaftStorage s = new MemoryRaftStorage(trust);
        s.load();
        s.saveHardState(old);
        MemoryRaftStorage restarted = s.kill(saving, new SplittableRandom(seed));
        HardState read = restarted.load().hardState();
        seen.add(read);
        HardState afterPowerLoss =
            restarted.powerLoss(new SplittableRandom(seed)).load().hardState();
        assertThat(afterPowerLoss).as("trust=%s", trust).isEqualTo(trust ? old : read);
      }
    }
    assertThat(seen).containsExactlyInAnyOrder(old, saving);
  }
}
