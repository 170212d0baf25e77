package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Dissertation §9.6 (pre-vote) and §6.2 (check-quorum). */
class PreVoteTest {

  private static final int ELECTION_TICKS = 10;

  @Test
  @DisplayName("§9.6 an isolated node that rejoins neither raises its term nor deposes the leader")
  void rejoiningNodeDoesNotDisrupt() {
    TestNetwork net = TestNetwork.of(3, 11, c -> c);
    net.tickUntilLeader(100);
    RaftNode leader = net.leader().orElseThrow();
    int outsider = leader.id() == 3 ? 2 : 3;
    long term = leader.term();

    net.isolate(outsider);
    for (int i = 0; i < 5 * ELECTION_TICKS; i++) net.tickAll();
    assertThat(net.node(outsider).term()).as("pre-votes that fail leave the term alone")
        .isEqualTo(term);

    net.recover();
    for (int i = 0; i < 3 * ELECTION_TICKS; i++) net.tickAll();
    assertThat(net.leader()).containsSame(leader);
    assertThat(leader.term()).isEqualTo(term);
    assertThat(net.node(outsider).term()).isEqualTo(term);
    assertThat(net.node(outsider).leaderId()).isEqualTo(leader.id());
  }

  @Test
  @DisplayName("§9.6 contrast: without pre-vote and check-quorum, the rejoining node deposes the leader")
  void withoutPreVoteRejoiningNodeDisrupts() {
    TestNetwork net = TestNetwork.of(3, 11, c -> c.preVote(false).checkQuorum(false));
    net.tickUntilLeader(100);
    RaftNode leader = net.leader().orElseThrow();
    int outsider = leader.id() == 3 ? 2 : 3;
    long term = leader.term();

    net.isolate(outsider);
    for (int i = 0; i < 5 * ELECTION_TICKS; i++) net.tickAll();
    assertThat(net.node(outsider).term()).isGreaterThan(term);

    net.recover();
    // The leader's next heartbeat draws an answer carrying the outsider's inflated term.
    for (int i = 0; i < 3 * ELECTION_TICKS; i++) net.tickAll();
    assertThat(leader.term()).as("the healthy leader was forced into a new term")
        .isGreaterThan(term);
  }

  @Test
  @DisplayName("§9.6 a pre-candidate whose pre-vote goes unanswered times out into another pre-vote, not a real election")
  void unansweredPreVoteRetriesPreVote() {
    RaftNode n = new RaftNode(TestNetwork.config(1, TestNetwork.ids(3), 4).build());
    // Nobody answers: the node is cut off. Every timeout must poll again, never raise the term.
    for (int i = 0; i < 100 && n.role() == Role.FOLLOWER; i++) n.tick();
    assertThat(n.role()).isEqualTo(Role.PRE_CANDIDATE);
    n.ready();
    int preVotes = 0;
    for (int i = 0; i < 10 * ELECTION_TICKS; i++) {
      n.tick();
      for (Message m : n.ready().messages()) {
        if (m instanceof RequestVote rv && rv.preVote()) preVotes++;
      }
      assertThat(n.role()).isEqualTo(Role.PRE_CANDIDATE);
      assertThat(n.term()).isZero();
    }
    assertThat(preVotes).as("one pre-vote round per timeout, to both peers").isGreaterThan(4);
  }

  @Test
  @DisplayName("§4.2.3 with check-quorum, nodes that heard from the leader within an election timeout ignore a higher-term vote request")
  void leaseIgnoresDisruptiveVoteRequests() {
    TestNetwork net = TestNetwork.of(3, 12, c -> c);
    net.tickUntilLeader(100);
    RaftNode leader = net.leader().orElseThrow();
    long term = leader.term();
    int follower = leader.id() == 1 ? 2 : 1;
    int outsider = 6 - leader.id() - follower;

    for (int to : new int[] {leader.id(), follower}) {
      net.node(to).step(new RequestVote(outsider, to, term + 5, 100, term, false));
    }
    net.stabilize();
    assertThat(leader.role()).isEqualTo(Role.LEADER);
    assertThat(leader.term()).isEqualTo(term);
    assertThat(net.node(follower).term()).isEqualTo(term);
    assertThat(net.node(follower).votedFor()).isNotEqualTo(outsider);
  }

  @Test
  @DisplayName("§6.2 check-quorum: a leader cut off from the majority steps down within two election timeouts")
  void checkQuorumStepsDown() {
    TestNetwork net = TestNetwork.of(3, 5, c -> c);
    net.tickUntilLeader(100);
    RaftNode leader = net.leader().orElseThrow();

    net.isolate(leader.id());
    int ticks = 0;
    while (leader.role() == Role.LEADER && ticks < 10 * ELECTION_TICKS) {
      net.tickAll();
      ticks++;
    }
    assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
    assertThat(ticks).isLessThanOrEqualTo(2 * ELECTION_TICKS);
    // Meanwhile the majority side elected a leader of its own.
    for (int i = 0; i < 3 * ELECTION_TICKS && net.leader().isEmpty(); i++) net.tickAll();
    assertThat(net.leader()).get().extracting(RaftNode::id).isNotEqualTo(leader.id());
  }
}
