package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A long committed log is handed out in slices, and reads wait for the slice they need. */
class ApplySlicesTest {

  private static final int LOG = 10_000;

  private static List<Entry> log(long term) {
    List<Entry> entries = new ArrayList<>();
    for (long i = 1; i <= LOG; i++) entries.add(new Entry(i, term, "c" + i));
    return entries;
  }

  @Test
  @DisplayName("a restarted node applies its committed log a slice per Ready, in order, once")
  void restartAppliesInSlices() {
    RaftConfig config = RaftConfig.builder(1, List.of(1, 2, 3), new SplittableRandom(1)).build();
    RaftNode node = new RaftNode(config, new HardState(1, 0, LOG), log(1), 0);
    List<Long> applied = new ArrayList<>();
    int readies = 0;
    do {
      Ready rd = node.ready();
      assertThat(rd.committedEntries()).hasSizeLessThanOrEqualTo(config.maxCommittedPerReady());
      rd.committedEntries().forEach(e -> applied.add(e.index()));
      node.advance(rd);
      readies++;
    } while (node.hasCommittedToApply());
    assertThat(readies).isEqualTo((LOG + config.maxCommittedPerReady() - 1)
        / config.maxCommittedPerReady());
    assertThat(applied).hasSize(LOG).isSorted().doesNotHaveDuplicates();
    assertThat(node.ready().committedEntries()).isEmpty();
  }

  @Test
  @DisplayName("§6.4 a read is served only with the Ready whose entries reach its read index")
  void readWaitsForItsSlice() {
    RaftConfig config = RaftConfig.builder(1, List.of(1), new SplittableRandom(2)).build();
    RaftNode node = new RaftNode(config, new HardState(1, 0, 0), log(1), 0);
    for (int i = 0; i < 100 && node.role() != Role.LEADER; i++) {
      node.tick();
      Ready rd = node.ready(); // elections of a lone node; nothing applied yet matters here
      node.advance(rd);
      if (!rd.committedEntries().isEmpty()) break;
    }
    assertThat(node.role()).isEqualTo(Role.LEADER);
    // the lone leader's no-op commits once durable; everything before it with it
    List<Long> applied = new ArrayList<>();
    Ready first = node.ready();
    node.advance(first);
    first.committedEntries().forEach(e -> applied.add(e.index()));
    assertThat(node.readIndex(42)).isTrue();

    List<ReadState> served = new ArrayList<>();
    do {
      Ready rd = node.ready();
      rd.committedEntries().forEach(e -> applied.add(e.index()));
      for (ReadState r : rd.readStates()) {
        assertThat(applied).as("applied when read %d is served", r.context()).contains(r.index());
        served.add(r);
      }
      node.advance(rd);
    } while (node.hasCommittedToApply() || served.isEmpty() && applied.size() < LOG + 1);
    assertThat(served).extracting(ReadState::context).containsExactly(42L);
    assertThat(served.get(0).index()).isEqualTo(LOG + 1);
  }
}
