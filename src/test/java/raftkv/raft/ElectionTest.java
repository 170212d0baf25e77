package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Raft §5.1, §5.2 and §5.4.1: terms, leader election and the election restriction. */
class ElectionTest {

  private static final List<Integer> THREE = TestNetwork.ids(3);

  private static RaftConfig plain(int id, List<Integer> members) {
    return TestNetwork.config(id, members, 7).preVote(false).checkQuorum(false).build();
  }

  private static RaftNode follower(int id, List<Integer> members, HardState hs, List<Entry> log) {
    return new RaftNode(plain(id, members), hs, log, 0);
  }

  private static <T extends Message> List<T> sent(Ready rd, Class<T> type) {
    return Stream.concat(rd.messages().stream(), rd.messagesAfterPersist().stream())
        .filter(type::isInstance).map(type::cast).toList();
  }

  private static void tickUntilRoleChanges(RaftNode n) {
    Role before = n.role();
    for (int i = 0; i < 100 && n.role() == before; i++) n.tick();
    assertThat(n.role()).as("role after timing out").isNotEqualTo(before);
  }

  @Test
  @DisplayName("§5.2 a follower that times out starts a pre-vote, then wins a 3-node election")
  void followerTimesOutAndWins() {
    TestNetwork net = TestNetwork.of(3, 1, c -> c);
    RaftNode n1 = net.node(1);

    tickUntilRoleChanges(n1);
    assertThat(n1.role()).isEqualTo(Role.PRE_CANDIDATE);
    assertThat(n1.term()).as("a pre-vote does not raise the term").isZero();

    net.stabilize();
    assertThat(n1.role()).isEqualTo(Role.LEADER);
    assertThat(n1.term()).isEqualTo(1);
    assertThat(net.node(2).leaderId()).isEqualTo(1);
    assertThat(net.node(3).leaderId()).isEqualTo(1);
    assertThat(net.node(2).votedFor()).isEqualTo(1);
  }

  @Test
  @DisplayName("§5.2 without pre-vote, a timed-out follower increments its term and votes for itself")
  void followerBecomesCandidate() {
    RaftNode n = new RaftNode(plain(1, THREE));
    tickUntilRoleChanges(n);
    assertThat(n.role()).isEqualTo(Role.CANDIDATE);
    assertThat(n.term()).isEqualTo(1);
    assertThat(n.votedFor()).isEqualTo(1);
    Ready rd = n.ready();
    assertThat(rd.hardState()).isEqualTo(new HardState(1, 1, 0));
    // The vote requests wait for the term and self-vote to be durable.
    assertThat(sent(rd, RequestVote.class)).hasSize(2);
    assertThat(rd.messages()).isEmpty();
  }

  @Test
  @DisplayName("§5.2 each server votes for at most one candidate per term")
  void oneVotePerTerm() {
    RaftNode voter = follower(1, THREE, HardState.EMPTY, List.of());
    voter.step(new RequestVote(2, 1, 1, 0, 0, false));
    voter.step(new RequestVote(3, 1, 1, 0, 0, false));
    voter.step(new RequestVote(2, 1, 1, 0, 0, false)); // a retry from the one it voted for
    List<RequestVoteResponse> answers = sent(voter.ready(), RequestVoteResponse.class);
    assertThat(answers).extracting(RequestVoteResponse::to, RequestVoteResponse::granted)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(2, true),
            org.assertj.core.groups.Tuple.tuple(3, false),
            org.assertj.core.groups.Tuple.tuple(2, true));
    assertThat(voter.votedFor()).isEqualTo(2);
  }

  @Test
  @DisplayName("§5.2 a vote survives a restart: the rebuilt node refuses another candidate")
  void voteIsDurable() {
    RaftNode voter = follower(1, THREE, new HardState(1, 2, 0), List.of());
    voter.step(new RequestVote(3, 1, 1, 0, 0, false));
    assertThat(sent(voter.ready(), RequestVoteResponse.class))
        .singleElement().extracting(RequestVoteResponse::granted).isEqualTo(false);
  }

  record UpToDateCase(String name, long lastTerm, long lastIndex, boolean granted) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<UpToDateCase> upToDateCases() {
    // The voter's log is 1,1,2: last term 2 at index 3.
    return Stream.of(
        new UpToDateCase("older last term, longer log", 1, 5, false),
        new UpToDateCase("same last term, shorter log", 2, 2, false),
        new UpToDateCase("same last term, same length", 2, 3, true),
        new UpToDateCase("same last term, longer log", 2, 4, true),
        new UpToDateCase("newer last term, shorter log", 3, 1, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("upToDateCases")
  @DisplayName("§5.4.1 a vote goes only to a candidate whose log is at least as up-to-date")
  void upToDateCheck(UpToDateCase c) {
    RaftNode voter =
        follower(1, THREE, new HardState(2, HardState.NO_VOTE, 0), TestNetwork.log(1, 1, 2));
    voter.step(new RequestVote(2, 1, 3, c.lastIndex(), c.lastTerm(), false));
    assertThat(sent(voter.ready(), RequestVoteResponse.class))
        .singleElement().extracting(RequestVoteResponse::granted).isEqualTo(c.granted());
    assertThat(voter.term()).as("the higher term is adopted either way").isEqualTo(3);
    assertThat(voter.votedFor()).isEqualTo(c.granted() ? 2 : HardState.NO_VOTE);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
  @DisplayName("§5.2 split vote: two candidates of one term both fall short; random timeouts then elect one")
  void splitVote(long seed) {
    TestNetwork net = TestNetwork.of(4, seed, c -> c.preVote(false).checkQuorum(false));
    // 1 can only reach 3 and 2 can only reach 4: each candidate collects two votes of four.
    net.cut(1, 4).cut(2, 3);
    tickUntilRoleChanges(net.node(1));
    tickUntilRoleChanges(net.node(2));
    assertThat(net.node(1).term()).isEqualTo(1);
    assertThat(net.node(2).term()).isEqualTo(1);
    net.stabilize();

    assertThat(net.node(3).votedFor()).isEqualTo(1);
    assertThat(net.node(4).votedFor()).isEqualTo(2);
    assertThat(net.leader()).as("nobody wins term 1").isEmpty();
    assertThat(net.node(1).role()).isEqualTo(Role.CANDIDATE);
    assertThat(net.node(2).role()).isEqualTo(Role.CANDIDATE);

    net.recover();
    int electionTicks = 10; // the default base timeout
    int ticks = net.tickUntilLeader(6 * electionTicks);
    RaftNode leader = net.leader().orElseThrow();
    assertThat(leader.term()).isGreaterThan(1);
    assertThat(ticks).isLessThanOrEqualTo(6 * electionTicks);
    for (int id : TestNetwork.ids(4)) {
      assertThat(net.node(id).leaderId()).isEqualTo(leader.id());
    }
  }

  record HigherTermCase(String name, Function<Long, Message> message) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<HigherTermCase> higherTermMessages() {
    return Stream.of(
        new HigherTermCase("RequestVote", t -> new RequestVote(2, 1, t, 100, t, false)),
        new HigherTermCase("RequestVoteResponse", t -> new RequestVoteResponse(2, 1, t, false, false)),
        new HigherTermCase("AppendEntries", t -> new AppendEntries(2, 1, t, 0, 0, List.of(), 0, 0)),
        new HigherTermCase("AppendEntriesResponse",
            t -> AppendEntriesResponse.reject(2, 1, t, 0, 0, 0, 0)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("higherTermMessages")
  @DisplayName("§5.1 a leader that sees a higher term in any message steps down to follower")
  void higherTermDeposesLeader(HigherTermCase c) {
    TestNetwork net = TestNetwork.of(3, 3, c2 -> c2.preVote(false).checkQuorum(false));
    net.tickUntilLeader(100);
    RaftNode leader = net.leader().orElseThrow();
    long term = leader.term();
    Message m = c.message().apply(term + 1);
    Message addressed = readdress(m, otherThan(leader.id()), leader.id());

    leader.step(addressed);

    assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
    assertThat(leader.term()).isEqualTo(term + 1);
  }

  @Test
  @DisplayName("§5.1 stale-term messages are rejected: no log change, no vote, no counted vote")
  void staleTermRejected() {
    RaftNode n = follower(1, THREE, new HardState(5, HardState.NO_VOTE, 0), TestNetwork.log(1, 5));
    n.step(new AppendEntries(2, 1, 4, 2, 5, List.of(new Entry(3, 4, "stale")), 3, 0));
    n.step(new RequestVote(3, 1, 4, 10, 4, false));
    Ready rd = n.ready();
    assertThat(n.log().lastIndex()).isEqualTo(2);
    assertThat(n.commitIndex()).isZero();
    assertThat(n.votedFor()).isEqualTo(HardState.NO_VOTE);
    assertThat(n.leaderId()).isEqualTo(SoftState.NO_LEADER);
    // The stale leader is told the current term, so it steps down; the stale vote gets nothing.
    assertThat(sent(rd, AppendEntriesResponse.class)).singleElement().satisfies(r -> {
      assertThat(r.success()).isFalse();
      assertThat(r.term()).isEqualTo(5);
    });
    assertThat(sent(rd, RequestVoteResponse.class)).isEmpty();

    // A candidate of term 5 does not count a grant from term 4.
    RaftNode cand = follower(1, THREE, new HardState(4, HardState.NO_VOTE, 0), List.of());
    tickUntilRoleChanges(cand);
    assertThat(cand.term()).isEqualTo(5);
    cand.step(new RequestVoteResponse(2, 1, 4, true, false));
    cand.step(new RequestVoteResponse(3, 1, 4, true, false));
    assertThat(cand.role()).isEqualTo(Role.CANDIDATE);
  }

  static int otherThan(int id) {
    return id == 1 ? 2 : 1;
  }

  static Message readdress(Message m, int from, int to) {
    if (m instanceof RequestVote v) {
      return new RequestVote(from, to, v.term(), v.lastLogIndex(), v.lastLogTerm(), v.preVote());
    } else if (m instanceof RequestVoteResponse r) {
      return new RequestVoteResponse(from, to, r.term(), r.granted(), r.preVote());
    } else if (m instanceof AppendEntries a) {
      return new AppendEntries(from, to, a.term(), a.prevLogIndex(), a.prevLogTerm(), a.entries(),
          a.leaderCommit(), a.readSeq());
    } else {
      AppendEntriesResponse r = (AppendEntriesResponse) m;
      return new AppendEntriesResponse(from, to, r.term(), r.success(), r.matchIndex(),
          r.rejectedIndex(), r.conflictIndex(), r.conflictTerm(), r.readSeq());
    }
  }
}
