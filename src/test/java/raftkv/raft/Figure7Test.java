package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raft Figure 7 (§5.3): whatever a follower's log looks like, the leader of term 8 forces it to
 * match its own, and the conflict hint needs about one round trip per conflicting term.
 */
class Figure7Test {

  private static final long[] LEADER = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};

  /**
   * @param rejections the AppendEntries rejections the fast back-off needs; a one-index-at-a-time
   *     back-off would need {@code naiveRejections}
   */
  record Follower(String name, long[] terms, int rejections, int naiveRejections) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Follower> followers() {
    return Stream.of(
        new Follower("(a) missing one entry", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6}, 1, 1),
        new Follower("(b) missing many entries", new long[] {1, 1, 1, 4}, 1, 6),
        new Follower("(c) one extra entry of term 6", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},
            0, 0),
        new Follower("(d) extra entries of term 7", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},
            0, 0),
        new Follower("(e) missing entries, extra of term 4", new long[] {1, 1, 1, 4, 4, 4, 4}, 2, 5),
        new Follower("(f) extra entries of terms 2 and 3",
            new long[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, 2, 7));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("followers")
  @DisplayName("§5.3 Figure 7: the leader of term 8 brings each follower's log to equal its own")
  void leaderRepairsFollower(Follower f) {
    List<Integer> members = TestNetwork.ids(3);
    RaftConfig base = TestNetwork.config(1, members, 8).preVote(false).checkQuorum(false).build();
    long lastFollowerTerm = f.terms()[f.terms().length - 1];
    TestNetwork net = new TestNetwork()
        .add(new RaftNode(base, new HardState(7, HardState.NO_VOTE, 0), TestNetwork.log(LEADER), 0))
        .add(new RaftNode(TestNetwork.config(2, members, 8).preVote(false).checkQuorum(false).build(),
            new HardState(Math.max(lastFollowerTerm, 6), HardState.NO_VOTE, 0),
            TestNetwork.log(f.terms()), 0))
        // A third voter with an empty log, so node 1 can win term 8 whatever the follower holds.
        .add(new RaftNode(TestNetwork.config(3, members, 8).preVote(false).checkQuorum(false).build(),
            new HardState(7, HardState.NO_VOTE, 0), List.of(), 0));

    RaftNode leader = net.node(1);
    for (int i = 0; i < 100 && leader.role() == Role.FOLLOWER; i++) leader.tick();
    net.stabilize();

    assertThat(leader.role()).isEqualTo(Role.LEADER);
    assertThat(leader.term()).isEqualTo(8);
    RaftNode follower = net.node(2);
    List<Entry> expected = leader.log().slice(1, leader.log().lastIndex());
    assertThat(expected).hasSize(11).last().satisfies(e -> {
      assertThat(e.term()).isEqualTo(8);
      // the new leader's first entry: a no-op, or (as the log holds no configuration yet) the
      // configuration, written down by the first leader that finds none
      assertThat(e.isNoop() || Membership.isMembership(e.command())).isTrue();
    });
    assertThat(follower.log().slice(1, follower.log().lastIndex())).isEqualTo(expected);
    assertThat(leader.commitIndex()).isEqualTo(11);

    long rejections = net.delivered.stream()
        .filter(m -> m instanceof AppendEntriesResponse r && m.from() == 2 && !r.success())
        .count();
    assertThat(rejections).isEqualTo(f.rejections());
    if (f.naiveRejections() > 1) {
      assertThat(rejections).as("fast back-off skips a term per round trip, not an index")
          .isLessThan(f.naiveRejections());
    }
    assertThat(rejections).isLessThanOrEqualTo(4);
  }
}
