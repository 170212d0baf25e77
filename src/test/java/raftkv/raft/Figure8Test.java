package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Raft Figure 8 (§5.4.2): a leader never commits an entry of an earlier term by counting
 * replicas; it commits it only together with an entry of its own term.
 *
 * <p>Logs (term:index): S1 holds 1:1 2:2 (S1 led term 2 and crashed), S2, S3 and S4 hold 1:1,
 * S5 holds 1:1 3:2 (S5 led term 3 and crashed). S4 and S5 are down while S1 wins term 4 with
 * S2 and S3 and copies 2:2 to them.
 */
class Figure8Test {

  private static final List<Integer> FIVE = TestNetwork.ids(5);

  private static TestNetwork figure8() {
    TestNetwork net = new TestNetwork();
    long[][] logs = {{1, 2}, {1}, {1}, {1}, {1, 3}};
    for (int id : FIVE) {
      RaftConfig c = TestNetwork.config(id, FIVE, 88).preVote(false).checkQuorum(false)
          .maxEntriesPerAppend(1).build(); // one entry per message: 2:2 travels alone
      net.add(new RaftNode(c, new HardState(3, HardState.NO_VOTE, 1),
          TestNetwork.log(logs[id - 1]), 1));
    }
    net.isolate(4).isolate(5);
    // The network loses every message that would place S1's no-op (4:3) on a follower: only
    // 2:2 may spread. (A probe carrying 4:3 that the follower will reject still gets through.)
    net.dropIf(m -> m instanceof AppendEntries ae
        && ae.entries().stream().anyMatch(e -> e.term() == 4)
        && net.node(ae.to()).log().matches(ae.prevLogIndex(), ae.prevLogTerm()));
    RaftNode s1 = net.node(1);
    for (int i = 0; i < 100 && s1.role() == Role.FOLLOWER; i++) s1.tick();
    net.stabilize();
    assertThat(s1.role()).isEqualTo(Role.LEADER);
    assertThat(s1.term()).isEqualTo(4);
    return net;
  }

  @Test
  @DisplayName("§5.4.2 Figure 8(c): an entry of term 2 on a majority is not committed by the leader of term 4")
  void oldTermEntryOnMajorityIsNotCommitted() {
    TestNetwork net = figure8();
    RaftNode s1 = net.node(1);
    for (int id : List.of(1, 2, 3)) {
      assertThat(net.node(id).log().termAt(2)).as("S%d holds 2:2", id).isEqualTo(2);
    }
    // S1 knows 2:2 is on S1, S2 and S3: a majority of five.
    assertThat(s1.matchIndexes()).containsEntry(2, 2L).containsEntry(3, 2L);
    assertThat(s1.stableIndex()).isEqualTo(3);
    assertThat(s1.commitIndex()).isLessThan(2);
    assertThat(net.committed.get(1)).isEmpty();

    // Once the leader's own no-op (4:3) reaches the majority, 2:2 commits along with it.
    net.recover().isolate(4).isolate(5);
    // The lost appends are resent once the leader sees its pipelines stalled (an election
    // timeout without progress): within two election timeouts.
    for (int i = 0; i < 20 && s1.commitIndex() < 3; i++) net.tickAll();
    assertThat(s1.commitIndex()).isEqualTo(3);
    assertThat(net.committed.get(1)).extracting(Entry::index, Entry::term)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, 2L),
            org.assertj.core.groups.Tuple.tuple(3L, 4L));
  }

  @Test
  @DisplayName("§5.4.2 Figure 8(d): why — S5 can still win term 5 and overwrite 2:2 on the majority")
  void oldTermEntryCanStillBeOverwritten() {
    TestNetwork net = figure8();
    net.recover().isolate(1);
    RaftNode s5 = net.node(5);
    for (int i = 0; i < 500 && s5.role() != Role.LEADER; i++) net.tick(5);
    assertThat(s5.role()).isEqualTo(Role.LEADER);
    net.stabilize();
    for (int id : List.of(2, 3, 4, 5)) {
      assertThat(net.node(id).log().termAt(2)).as("S%d's index 2", id).isEqualTo(3);
      assertThat(net.committed.get(id)).noneMatch(e -> e.index() == 2 && e.term() == 2);
    }
    assertThat(net.committed.get(1)).noneMatch(e -> e.index() == 2);
  }
}
