package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The core's counters for metrics follow what it did: pre-votes, elections, leaders, reads. */
class RaftCountersTest {

  @Test
  void countElectionsLeaderChangesAndReadRounds() {
    TestNetwork net = TestNetwork.of(3, 11, c -> c);
    net.tickUntilLeader(100);
    RaftNode leader = net.leader().orElseThrow();
    RaftCounters won = leader.counters();
    assertThat(won.preVotesStarted()).isGreaterThanOrEqualTo(1);
    assertThat(won.electionsStarted()).isGreaterThanOrEqualTo(1);
    assertThat(won.electionsWon()).isEqualTo(1);
    assertThat(won.leaderChanges()).as("it learned of one leader: itself").isEqualTo(1);
    for (int id = 1; id <= 3; id++) {
      if (id == leader.id()) continue;
      RaftCounters follower = net.node(id).counters();
      assertThat(follower.electionsWon()).isZero();
      assertThat(follower.leaderChanges()).isEqualTo(1);
    }

    assertThat(leader.readIndex(7)).isTrue();
    for (int i = 0; i < 5; i++) net.tickAll();
    assertThat(leader.counters().readIndexRounds()).isGreaterThanOrEqualTo(1);

    // the leader is cut off: the others elect another, and count a second leader
    net.isolate(leader.id());
    for (int i = 0; i < 100 && net.leader().filter(l -> l != leader).isEmpty(); i++) {
      net.tickAll();
    }
    RaftNode next = net.leader().filter(l -> l != leader).orElseThrow();
    assertThat(next.counters().leaderChanges()).isEqualTo(2);
    assertThat(next.counters().electionsWon()).isEqualTo(1);
  }
}
