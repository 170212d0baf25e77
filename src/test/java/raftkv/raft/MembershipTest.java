package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Configuration changes (dissertation chapter 4): learners, one single-server change at a time,
 * removal, and leadership transfer (§3.10), each in a small scripted network.
 */
class MembershipTest {

  private TestNetwork net;

  /** Voters 1..voters; the nodes after them up to {@code total} start as joiners. */
  private TestNetwork cluster(int voters, int total, Set<Sabotage> sabotage) {
    net = new TestNetwork();
    List<Integer> bootstrap = TestNetwork.ids(voters);
    for (int id = 1; id <= total; id++) {
      net.add(new RaftNode(TestNetwork.config(id, id <= voters ? bootstrap : List.of(), 7)
          .maxPromotionLag(5).sabotage(sabotage).build()));
    }
    return net;
  }

  private RaftNode elect(int id) {
    RaftNode node = net.node(id);
    for (int i = 0; i < 100 && node.role() != Role.LEADER; i++) net.tick(id);
    assertThat(node.role()).as("node " + id + " leads").isEqualTo(Role.LEADER);
    return node;
  }

  /** Ticks everyone until a node other than {@code old} leads a later term. */
  private RaftNode electAnotherThan(RaftNode old) {
    for (int i = 0; i < 300; i++) {
      for (int id : TestNetwork.ids(6)) {
        RaftNode n = net.node(id);
        if (n != null && n != old && n.role() == Role.LEADER && n.term() > old.term()) return n;
      }
      net.tickAll();
    }
    throw new AssertionError("no new leader: " + net);
  }

  private static Membership with(Membership m, int id, boolean voter) {
    return m.with(new Membership.Member(id, voter, "h" + id + ":1:2"));
  }

  private long write(RaftNode leader, String command) {
    long index = leader.propose(command);
    net.stabilize();
    return index;
  }

  private void change(RaftNode leader, Membership next) {
    ChangeResult r = leader.proposeMembership(next);
    assertThat(r.accepted()).as(String.valueOf(r.reason())).isTrue();
    net.stabilize();
    assertThat(leader.commitIndex()).isGreaterThanOrEqualTo(r.index());
  }

  private void heartbeats(RaftNode leader, int rounds) {
    for (int i = 0; i < rounds * 2; i++) net.tick(leader.id());
  }

  @Test
  @DisplayName("the first leader writes the bootstrap configuration into the log")
  void theFirstLeaderRecordsTheConfiguration() {
    cluster(3, 3, Set.of());
    RaftNode leader = elect(1);
    Entry first = leader.log().entryAt(1);
    assertThat(Membership.isMembership(first.command())).isTrue();
    assertThat(Membership.decode(first.command()).voters()).containsExactly(1, 2, 3);
    assertThat(net.node(3).membershipIndex()).isEqualTo(1);
  }

  @Test
  @DisplayName("a learner receives the log but neither counts for commits nor stands for election")
  void aLearnerReceivesTheLogButNeitherVotesNorCounts() {
    cluster(3, 4, Set.of());
    RaftNode leader = elect(1);
    change(leader, with(leader.membership(), 4, false));
    write(leader, "a");
    RaftNode learner = net.node(4);
    assertThat(learner.log().slice(1, learner.log().lastIndex()))
        .isEqualTo(leader.log().slice(1, leader.log().lastIndex()));
    assertThat(learner.membership().learners()).containsExactly(4);

    net.isolate(2).isolate(3);
    long index = write(leader, "b");
    assertThat(learner.log().lastIndex()).isEqualTo(index);
    assertThat(leader.commitIndex()).as("the learner's copy does not count").isLessThan(index);

    long term = learner.term();
    for (int i = 0; i < 200; i++) learner.tick();
    net.stabilize();
    assertThat(learner.term()).as("a learner never campaigns").isEqualTo(term);
  }

  @Test
  @DisplayName("a learner is promoted only once it has caught up; then it counts")
  void promotionWaitsUntilTheLearnerCaughtUp() {
    cluster(3, 4, Set.of());
    RaftNode leader = elect(1);
    change(leader, with(leader.membership(), 4, false));
    net.cut(1, 4);
    for (int i = 0; i < 20; i++) write(leader, "w" + i);

    ChangeResult lagging = leader.proposeMembership(with(leader.membership(), 4, true));
    assertThat(lagging.refusal()).isEqualTo(ChangeResult.Refusal.NOT_CAUGHT_UP);
    assertThat(lagging.reason()).contains("learner 4 holds the log up to");

    net.recover();
    heartbeats(leader, 10); // a stalled pipeline falls back to probing after an election timeout
    change(leader, with(leader.membership(), 4, true));
    assertThat(net.node(4).membership().voters()).containsExactly(1, 2, 3, 4);

    net.isolate(2).isolate(3); // 1 and 4 are 2 of 4 voters: no majority any more
    long index = write(leader, "x");
    assertThat(leader.commitIndex()).isLessThan(index);
    net.recover().isolate(3); // 1, 2 and 4 are
    heartbeats(leader, 10);
    assertThat(leader.commitIndex()).isGreaterThanOrEqualTo(index);
  }

  @Test
  @DisplayName("one change at a time: a second waits until the first commits")
  void oneChangeAtATime() {
    cluster(3, 5, Set.of());
    RaftNode leader = elect(1);
    Membership four = with(leader.membership(), 4, false);
    assertThat(leader.proposeMembership(four).accepted()).isTrue();
    ChangeResult second = leader.proposeMembership(with(four, 5, false));
    assertThat(second.refusal()).isEqualTo(ChangeResult.Refusal.BUSY);
    assertThat(second.reason()).contains("has not committed yet");

    net.stabilize();
    change(leader, with(four, 5, false));
    assertThat(leader.membership().learners()).containsExactly(4, 5);
  }

  @Test
  @DisplayName("a change of more than one member, or of the last voter, is refused")
  void onlySingleServerChanges() {
    cluster(3, 5, Set.of());
    RaftNode leader = elect(1);
    Membership two = with(with(leader.membership(), 4, false), 5, false);
    assertThat(leader.proposeMembership(two).refusal()).isEqualTo(ChangeResult.Refusal.INVALID);
    Membership moved = leader.membership().with(new Membership.Member(2, true, "elsewhere:1:2"));
    assertThat(leader.proposeMembership(moved).refusal()).isEqualTo(ChangeResult.Refusal.INVALID);
    assertThat(net.node(2).proposeMembership(with(leader.membership(), 4, false)).refusal())
        .isEqualTo(ChangeResult.Refusal.NOT_LEADER);

    cluster(1, 1, Set.of());
    RaftNode alone = elect(1);
    assertThat(alone.proposeMembership(alone.membership().without(1)).refusal())
        .isEqualTo(ChangeResult.Refusal.INVALID);
  }

  @Test
  @DisplayName("a new leader changes nothing before an entry of its own term commits")
  void aNewLeaderWaitsForItsOwnTermBeforeAChange() {
    cluster(3, 4, Set.of());
    net.drop(AppendEntries.class); // the new leader's first entry cannot replicate
    RaftNode leader = elect(1);
    ChangeResult r = leader.proposeMembership(with(leader.membership(), 4, false));
    assertThat(r.refusal()).isEqualTo(ChangeResult.Refusal.BUSY);
    assertThat(r.reason()).contains("has not committed an entry of its term");
  }

  @Test
  @DisplayName("a removed follower appends its removal, is sent nothing more, and never campaigns")
  void aRemovedFollowerKnowsAndStaysQuiet() {
    cluster(3, 3, Set.of());
    RaftNode leader = elect(1);
    change(leader, leader.membership().without(3));
    RaftNode removed = net.node(3);
    assertThat(removed.membership().contains(3)).isFalse();

    int before = net.delivered.size();
    heartbeats(leader, 3);
    write(leader, "after");
    assertThat(net.delivered.subList(before, net.delivered.size()))
        .noneMatch(m -> m.to() == 3 || m.from() == 3);
    long term = removed.term();
    for (int i = 0; i < 200; i++) removed.tick();
    net.stabilize();
    assertThat(removed.term()).isEqualTo(term);
    assertThat(leader.role()).isEqualTo(Role.LEADER);
  }

  @Test
  @DisplayName("§4.2.2 a leader that removes itself leads until the change commits, then hands over")
  void aLeaderThatRemovesItselfStepsDownAndHandsOver() {
    cluster(3, 3, Set.of());
    RaftNode leader = elect(1);
    long term = leader.term();
    change(leader, leader.membership().without(1));
    assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
    RaftNode next = net.leader().orElseThrow();
    assertThat(next.id()).isIn(2, 3);
    assertThat(next.term()).as("elected at once, by TimeoutNow").isEqualTo(term + 1);
    assertThat(next.membership().voters()).containsExactly(2, 3);
  }

  @Test
  @DisplayName("§4.2.2 a removed leader that failed before the change committed can still finish it")
  void aRemovedLeaderThatFailedCanStillBeElectedToCommitItsRemoval() {
    cluster(2, 2, Set.of());
    RaftNode leader = elect(1);
    write(leader, "x");
    net.cut(1, 2);
    ChangeResult r = leader.proposeMembership(leader.membership().without(1));
    net.stabilize();
    // node 1 holds the change (in which it is no voter), node 2 does not: node 2 cannot win
    // without node 1's vote, and node 1 refuses it (its log is longer); so node 1 must stand
    TestNetwork restarted = new TestNetwork();
    RaftNode one = restart(leader);
    restarted.add(one).add(net.node(2));
    net = restarted;
    for (int i = 0; i < 200 && net.leader().isEmpty(); i++) {
      one.tick();
      net.node(2).tick();
      net.stabilize();
    }
    for (int i = 0; i < 200 && net.node(2).role() != Role.LEADER; i++) net.tickAll();
    assertThat(net.node(2).commitIndex()).isGreaterThanOrEqualTo(r.index());
    assertThat(net.node(2).role()).isEqualTo(Role.LEADER);
    assertThat(net.node(2).membership().voters()).containsExactly(2);
  }

  private RaftNode restart(RaftNode node) {
    RaftLog log = node.log();
    RaftConfig config = TestNetwork.config(node.id(), TestNetwork.ids(2), 8).build();
    return new RaftNode(config, new HardState(node.term(), node.votedFor(), node.commitIndex()),
        log.snapshot(), log.slice(log.firstIndex(), log.lastIndex()), node.commitIndex());
  }

  @Test
  @DisplayName("§3.10 leadership transfer: proposals wait, the target leads in the next term")
  void leadershipTransfer() {
    cluster(3, 3, Set.of());
    RaftNode leader = elect(1);
    long term = leader.term();
    net.cut(1, 3);
    write(leader, "a");
    write(leader, "b");
    assertThat(leader.transferLeadership(3).accepted()).isTrue();
    assertThat(leader.propose("refused")).as("no proposals while handing over").isEqualTo(-1);
    net.recover();
    heartbeats(leader, 2); // brings node 3 up to date, then TimeoutNow
    RaftNode three = net.node(3);
    assertThat(three.role()).isEqualTo(Role.LEADER);
    assertThat(three.term()).isEqualTo(term + 1);
    assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
    assertThat(three.log().lastIndex()).isGreaterThanOrEqualTo(leader.log().lastIndex());
  }

  @Test
  @DisplayName("§3.10 a transfer whose target does not take over is given up after an election timeout")
  void aTransferThatDoesNotHappenIsGivenUp() {
    cluster(3, 3, Set.of());
    RaftNode leader = elect(1);
    net.isolate(3);
    assertThat(leader.transferLeadership(3).accepted()).isTrue();
    assertThat(leader.transferTarget()).isEqualTo(3);
    for (int i = 0; i < 10; i++) net.tick(1);
    assertThat(leader.transferTarget()).isZero();
    assertThat(leader.role()).isEqualTo(Role.LEADER);
    assertThat(leader.propose("again")).isPositive();
    assertThat(leader.transferLeadership(4).refusal()).isEqualTo(ChangeResult.Refusal.INVALID);
  }

  @Test
  @DisplayName("the configuration survives a restart (from the log) and compaction (in the snapshot)")
  void theConfigurationSurvivesRestartAndSnapshots() {
    cluster(3, 4, Set.of());
    RaftNode leader = elect(1);
    change(leader, with(leader.membership(), 4, false));
    for (int i = 0; i < 5; i++) write(leader, "w" + i);
    Membership expected = leader.membership();

    RaftNode two = net.node(2);
    RaftLog log = two.log();
    RaftNode restarted = new RaftNode(TestNetwork.config(2, TestNetwork.ids(3), 9).build(),
        new HardState(two.term(), two.votedFor(), two.commitIndex()), log.slice(1, log.lastIndex()),
        0);
    assertThat(restarted.membership()).isEqualTo(expected);

    SnapshotMeta snapshot = leader.snapshotTaken(leader.commitIndex());
    assertThat(snapshot.membership()).isEqualTo(expected);
    RaftNode fromSnapshot = new RaftNode(TestNetwork.config(1, TestNetwork.ids(3), 9).build(),
        new HardState(leader.term(), 1, snapshot.index()), snapshot, List.of(), snapshot.index());
    assertThat(fromSnapshot.membership()).isEqualTo(expected);
  }

  @Test
  @DisplayName("a follower whose uncommitted change is overwritten goes back to the configuration before it")
  void aTruncatedChangeIsUndone() {
    cluster(5, 6, Set.of());
    RaftNode old = elect(1);
    Membership before = old.membership();
    net.cut(1, 3).cut(1, 4).cut(1, 5);
    assertThat(old.proposeMembership(with(before, 6, false)).accepted()).isTrue();
    net.stabilize();
    assertThat(net.node(2).membership().contains(6)).isTrue();

    net.recover().isolate(1).isolate(2);
    RaftNode next = electAnotherThan(old);
    write(next, "overwrites");
    net.recover().isolate(1);
    heartbeats(next, 3);
    assertThat(net.node(2).membership()).isEqualTo(before);
  }

  /**
   * The bug in single-server changes without the correction (found by Ongaro, 2015): voters
   * 1-4 with learner 5. Leader 1 promotes 5 (C1 = 1-5) and only 5 gets it; then 1 fails. Node 2
   * wins with 3 and 4 (C0), and at once removes 4 (C2 = 1-3), which commits on 2 and 3 while 4
   * hears nothing of term 2. Node 1 returns with C1 and wins with 4 and 5, whose logs are no
   * shorter than its own: a leader that lacks what 2 committed. The correction stops it at the
   * start: node 2's change waits until an entry of term 2 commits, which needs 4 (or 1).
   */
  @Test
  @DisplayName("§4.1 the correction: without it, two leaders commit through disjoint majorities")
  void aChangeBeforeTheOwnTermCommitsBreaksSafety() {
    assertThat(ongaroScenario(Set.of())).as("the correct core refuses the change").isNull();
    RaftNode one = ongaroScenario(Set.of(Sabotage.CHANGE_BEFORE_OWN_TERM_COMMITS));
    assertThat(one).isNotNull();
    assertThat(one.role()).isEqualTo(Role.LEADER);
    long committedByTwo = net.node(2).commitIndex();
    Entry committed = net.node(2).log().entryAt(committedByTwo);
    assertThat(one.log().termAt(committedByTwo)).as("node 1 leads without " + committed)
        .isNotEqualTo(committed.term());
  }

  /** Node 1 if it became leader again (the sabotaged case); null when node 2 refused. */
  private RaftNode ongaroScenario(Set<Sabotage> sabotage) {
    net = new TestNetwork();
    for (int id = 1; id <= 5; id++) {
      net.add(new RaftNode(TestNetwork.config(id, id <= 4 ? TestNetwork.ids(4) : List.of(), 11)
          .preVote(false).checkQuorum(false).sabotage(sabotage).build()));
    }
    RaftNode one = elect(1);
    change(one, with(one.membership(), 5, false));
    heartbeats(one, 1); // everyone learns that the learner's addition committed
    net.cut(1, 2).cut(1, 3).cut(1, 4);
    heartbeats(one, 2);
    assertThat(one.proposeMembership(with(one.membership(), 5, true)).accepted()).isTrue();
    net.stabilize(); // C1 reaches node 5 only
    net.isolate(1).isolate(5);
    // node 4 votes for node 2, then hears nothing more of term 2
    net.dropIf(m -> m.from() == 2 && m.to() == 4 && m instanceof AppendEntries);
    RaftNode two = elect(2);
    ChangeResult c2 = two.proposeMembership(two.membership().without(4));
    if (!c2.accepted()) {
      assertThat(c2.reason()).contains("has not committed an entry of its term");
      return null;
    }
    net.stabilize();
    write(two, "committed by 1-3's majority");
    assertThat(two.commitIndex()).isEqualTo(two.log().lastIndex());

    // node 1 restarts with C1 and reaches 4 and 5 only
    RaftLog log = one.log();
    RaftNode restarted = new RaftNode(TestNetwork.config(1, TestNetwork.ids(4), 12).preVote(false)
        .checkQuorum(false).sabotage(sabotage).build(),
        new HardState(one.term(), one.votedFor(), one.commitIndex()), log.snapshot(),
        log.slice(log.firstIndex(), log.lastIndex()), one.commitIndex());
    net.add(restarted);
    net.recover().cut(1, 2).cut(1, 3).cut(2, 5).cut(3, 5);
    net.dropIf(m -> m.from() == 2 && m.to() == 4 || m.from() == 4 && m.to() == 2
        || m.from() == 3 && m.to() == 4 || m.from() == 4 && m.to() == 3);
    for (int i = 0; i < 200 && restarted.role() != Role.LEADER; i++) net.tick(1);
    return restarted.role() == Role.LEADER ? restarted : null;
  }
}
