package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the core does about a disk: a follower that lost entries it had acknowledged is repaired,
 * and the commit hint a restarted node applies from is kept fresh.
 */
class DurabilityTest {

  @Test
  @DisplayName("a follower whose log lost acknowledged entries is probed back and repaired")
  void aFollowerThatLostAcknowledgedEntriesIsRepaired() {
    TestNetwork net = TestNetwork.of(3, 5, c -> c);
    net.tickUntilLeader(100);
    RaftNode leader = net.leader().orElseThrow();
    for (int i = 0; i < 10; i++) leader.propose("x" + i);
    net.stabilize();
    int followerId = leader.id() == 2 ? 3 : 2;
    RaftNode follower = net.node(followerId);
    long acknowledged = leader.matchIndexes().get(followerId);
    assertThat(acknowledged).isEqualTo(leader.log().lastIndex()).isGreaterThan(5);

    // Its disk lied about fsyncs: it comes back holding only the first 5 entries.
    List<Entry> kept = follower.log().slice(1, 5);
    RaftNode restarted = new RaftNode(TestNetwork.config(followerId, TestNetwork.ids(3), 5).build(),
        new HardState(follower.term(), follower.votedFor(), 5), kept, 0);
    net.add(restarted);
    for (int i = 0; i < 20; i++) net.tickAll();

    assertThat(leader.followerLogRegressions()).isPositive();
    assertThat(restarted.log().lastIndex()).isEqualTo(leader.log().lastIndex());
    assertThat(restarted.log().slice(1, acknowledged))
        .isEqualTo(leader.log().slice(1, acknowledged));
    assertThat(leader.matchIndexes().get(followerId)).isEqualTo(leader.log().lastIndex());
  }

  @Test
  @DisplayName("a follower restored from an old backup, disagreeing below its match, is repaired")
  void aFollowerWithAnOlderTermBelowItsMatchIsRepaired() {
    TestNetwork net = TestNetwork.of(3, 9, c -> c);
    net.tickUntilLeader(100);
    int first = net.leader().orElseThrow().id();
    net.isolate(first); // a second election: the entries below are of a later term than 1
    for (int i = 0; i < 100 && net.leader().orElseThrow().id() == first; i++) net.tickAll();
    net.recover();
    net.stabilize();
    RaftNode leader = net.leader().orElseThrow();
    assertThat(leader.term()).isGreaterThan(1);
    for (int i = 0; i < 6; i++) leader.propose("x" + i);
    net.stabilize();
    int followerId = leader.id() == 2 ? 3 : 2;
    if (followerId == leader.id()) followerId = 1;
    RaftNode follower = net.node(followerId);

    // The backup: the first 3 entries, then entries of an older term the cluster never kept.
    List<Entry> restored = new java.util.ArrayList<>(follower.log().slice(1, 3));
    for (long i = 4; i <= follower.log().lastIndex(); i++) restored.add(new Entry(i, 1, "old"));
    assertThat(restored.get(3).term()).isLessThan(follower.log().termAt(4));
    RaftNode restarted = new RaftNode(TestNetwork.config(followerId, TestNetwork.ids(3), 9).build(),
        new HardState(follower.term(), follower.votedFor(), 3), restored, 0);
    net.add(restarted);
    for (int i = 0; i < 20; i++) net.tickAll();

    assertThat(leader.followerLogRegressions()).isPositive();
    assertThat(restarted.log().slice(1, restarted.log().lastIndex()))
        .isEqualTo(leader.log().slice(1, leader.log().lastIndex()));
  }

  @Test
  @DisplayName("a late rejection from before a follower caught up costs one probe, nothing more")
  void aStaleRejectionIsHarmless() {
    TestNetwork net = TestNetwork.of(3, 6, c -> c);
    net.tickUntilLeader(100);
    RaftNode leader = net.leader().orElseThrow();
    for (int i = 0; i < 5; i++) leader.propose("x" + i);
    net.stabilize();
    int followerId = leader.id() == 2 ? 3 : 2;
    long match = leader.matchIndexes().get(followerId);

    leader.step(AppendEntriesResponse.reject(followerId, leader.id(), leader.term(), match, 2, 0,
        0));
    net.stabilize();
    net.tickAll();
    net.tickAll();

    assertThat(leader.matchIndexes().get(followerId)).isEqualTo(match);
    assertThat(leader.commitIndex()).isEqualTo(leader.log().lastIndex());
  }

  @Test
  @DisplayName("a lone voter leads only once its own vote is durable, so a crash cannot make it win one term twice")
  void aLoneVoterLeadsOnlyOnceItsVoteIsDurable() {
    RaftConfig config = RaftConfig.builder(1, List.of(1, 2), new SplittableRandom(1)).build();
    // voters {1}, with 2 a learner: node 1 wins every election by its own vote alone
    RaftNode node = new RaftNode(config, new HardState(3, 1, 0), List.of(
        new Entry(1, 1, Membership.ofVoters(List.of(1))
            .with(new Membership.Member(2, false, "")).encode())), 0);
    Ready campaign = null;
    for (int i = 0; i < 100 && campaign == null; i++) {
      node.tick();
      Ready rd = node.ready();
      if (rd.hardState() != null && rd.hardState().term() > 3) campaign = rd;
      else node.advance(rd);
    }
    assertThat(campaign).as("it stood for election").isNotNull();
    assertThat(campaign.hardState().votedFor()).isEqualTo(1);
    assertThat(node.role()).as("its vote is not on disk yet").isEqualTo(Role.CANDIDATE);
    assertThat(campaign.messages()).as("nothing sent as leader").isEmpty();
    node.advance(campaign);
    assertThat(node.role()).isEqualTo(Role.LEADER);
    assertThat(node.term()).isEqualTo(campaign.hardState().term());
  }

  @Test
  @DisplayName("the commit hint is saved with term changes, and at most once per election timeout otherwise")
  void theCommitHintIsSavedOncePerElectionTimeout() {
    RaftConfig config = RaftConfig.builder(1, List.of(1), new SplittableRandom(1)).build();
    RaftNode node = new RaftNode(config);
    Ready withVote = null;
    while (node.role() != Role.LEADER) {
      node.tick();
      Ready rd = node.ready();
      if (rd.hardState() != null) withVote = rd;
      node.advance(rd);
    }
    assertThat(withVote).as("term and vote changed").isNotNull();
    node.advance(node.ready()); // the no-op, durable
    node.ready(); // the no-op commits

    node.propose("a");
    Ready rd = node.ready();
    node.advance(rd);
    assertThat(node.ready().hardState()).as("commit advanced moments after the last save")
        .isNull();

    HardState saved = null;
    for (int tick = 0; tick < config.electionTicks() && saved == null; tick++) {
      node.tick();
      saved = node.ready().hardState();
    }
    assertThat(saved).isNotNull();
    assertThat(saved.commit()).isEqualTo(node.commitIndex()).isEqualTo(2);
    for (int tick = 0; tick < 3 * config.electionTicks(); tick++) {
      node.tick();
      assertThat(node.ready().hardState()).as("nothing new to save").isNull();
    }
  }
}
