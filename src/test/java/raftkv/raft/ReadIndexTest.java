package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Raft §6.4: linearizable reads through the read index. */
class ReadIndexTest {

  private TestNetwork net;
  private RaftNode leader;
  private List<Integer> followers;

  private void elect(int n, long seed) {
    net = TestNetwork.of(n, seed, c -> c);
    net.tickUntilLeader(100);
    net.stabilize();
    leader = net.leader().orElseThrow();
    followers = TestNetwork.ids(n).stream().filter(id -> id != leader.id()).toList();
  }

  private static List<AppendEntries> heartbeats(Ready rd) {
    return rd.messages().stream()
        .filter(m -> m instanceof AppendEntries ae && ae.entries().isEmpty() && ae.readSeq() > 0)
        .map(AppendEntries.class::cast).toList();
  }

  /** The follower handles the heartbeat, persists, and its answer reaches the leader. */
  private void answer(AppendEntries hb) {
    RaftNode f = net.node(hb.to());
    f.step(hb);
    Ready frd = f.ready();
    f.advance(frd);
    frd.messagesAfterPersist().forEach(leader::step);
  }

  @Test
  @DisplayName("§6.4 a follower refuses a read index request")
  void followerRefuses() {
    elect(3, 31);
    RaftNode f = net.node(followers.get(0));
    assertThat(f.readIndex(1)).isFalse();
    net.stabilize();
    assertThat(net.readStates.get(f.id())).isEmpty();
  }

  @Test
  @DisplayName("§6.4 the leader serves a read only after a majority answered a heartbeat of that round")
  void readWaitsForMajorityOfRound() {
    elect(5, 32);
    assertThat(leader.readIndex(42)).isTrue();
    Ready rd = leader.ready();
    leader.advance(rd);
    assertThat(rd.readStates()).isEmpty();
    List<AppendEntries> hbs = heartbeats(rd);
    assertThat(hbs).hasSize(4);
    long round = hbs.get(0).readSeq();

    answer(hbs.get(0)); // leader + 1 of 5
    assertThat(leader.ready().readStates()).isEmpty();

    // An answer to an earlier round proves nothing about this one.
    int other = hbs.get(1).to();
    leader.step(AppendEntriesResponse.accept(other, leader.id(), leader.term(),
        leader.matchIndexes().get(other), round - 1));
    assertThat(leader.ready().readStates()).isEmpty();

    answer(hbs.get(1)); // leader + 2 of 5: a majority
    assertThat(leader.ready().readStates()).containsExactly(new ReadState(42, leader.commitIndex()));
  }

  @Test
  @DisplayName("§6.4 reads queued before one Ready share one round: one heartbeat per peer")
  void readsShareOneRound() {
    elect(3, 33);
    LongStream.rangeClosed(1, 10).forEach(ctx -> assertThat(leader.readIndex(ctx)).isTrue());
    Ready rd = leader.ready();
    leader.advance(rd);
    List<AppendEntries> hbs = heartbeats(rd);
    Map<Integer, Long> perPeer =
        hbs.stream().collect(Collectors.groupingBy(AppendEntries::to, Collectors.counting()));
    assertThat(perPeer).containsOnlyKeys(followers).allSatisfy((peer, n) -> assertThat(n).isOne());
    assertThat(hbs).extracting(AppendEntries::readSeq).containsOnly(hbs.get(0).readSeq());

    answer(hbs.get(0));
    assertThat(leader.ready().readStates()).extracting(ReadState::context)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
  }

  @Test
  @DisplayName("§6.4 reads that arrive while a round is on its way wait for it, then share the next")
  void oneRoundInFlight() {
    elect(3, 35);
    assertThat(leader.readIndex(1)).isTrue();
    Ready first = leader.ready();
    leader.advance(first);
    List<AppendEntries> firstRound = heartbeats(first);
    assertThat(firstRound).hasSize(2);

    LongStream.rangeClosed(2, 5).forEach(ctx -> assertThat(leader.readIndex(ctx)).isTrue());
    Ready meanwhile = leader.ready();
    leader.advance(meanwhile);
    assertThat(heartbeats(meanwhile)).as("no second round while the first is on its way").isEmpty();
    assertThat(meanwhile.readStates()).isEmpty();

    answer(firstRound.get(0)); // the first round has its quorum: read 1, and a round for 2..5
    Ready next = leader.ready();
    leader.advance(next);
    assertThat(next.readStates()).extracting(ReadState::context).containsExactly(1L);
    List<AppendEntries> secondRound = heartbeats(next);
    assertThat(secondRound).hasSize(2)
        .allSatisfy(hb -> assertThat(hb.readSeq()).isGreaterThan(firstRound.get(0).readSeq()));

    answer(secondRound.get(1));
    assertThat(leader.ready().readStates()).extracting(ReadState::context)
        .containsExactly(2L, 3L, 4L, 5L);
  }

  @Test
  @DisplayName("§6.4 without read batching every read has a round and a heartbeat per peer")
  void unbatchedReadsHaveARoundEach() {
    net = TestNetwork.of(3, 36, c -> c.batchReads(false));
    net.tickUntilLeader(100);
    net.stabilize();
    leader = net.leader().orElseThrow();
    LongStream.rangeClosed(1, 3).forEach(ctx -> assertThat(leader.readIndex(ctx)).isTrue());
    Ready rd = leader.ready();
    leader.advance(rd);
    List<AppendEntries> hbs = heartbeats(rd);
    assertThat(hbs).hasSize(6);
    assertThat(hbs.stream().map(AppendEntries::readSeq).distinct().count()).isEqualTo(3);

    answer(hbs.get(hbs.size() - 1)); // the last round confirms every earlier one too
    assertThat(leader.ready().readStates()).extracting(ReadState::context)
        .containsExactly(1L, 2L, 3L);
  }

  @Test
  @DisplayName("§6.4 a new leader holds reads until an entry of its own term has committed")
  void newLeaderWaitsForOwnTermCommit() {
    net = TestNetwork.of(3, 34, c -> c);
    net.drop(AppendEntries.class); // the new leader's no-op cannot replicate
    net.tickUntilLeader(100);
    leader = net.leader().orElseThrow();
    long noop = leader.log().lastIndex();
    assertThat(leader.log().entryAt(noop).term()).isEqualTo(leader.term());
    assertThat(leader.commitIndex()).isLessThan(noop);

    assertThat(leader.readIndex(7)).isTrue();
    Ready rd = leader.ready();
    leader.advance(rd);
    assertThat(heartbeats(rd)).as("no read round starts yet").isEmpty();
    assertThat(rd.readStates()).isEmpty();
    net.stabilize();
    assertThat(net.readStates.get(leader.id())).isEmpty();

    net.recover();
    for (int i = 0; i < 20 && net.readStates.get(leader.id()).isEmpty(); i++) net.tickAll();
    assertThat(leader.commitIndex()).isGreaterThanOrEqualTo(noop);
    assertThat(net.readStates.get(leader.id())).singleElement().satisfies(rs -> {
      assertThat(rs.context()).isEqualTo(7);
      assertThat(rs.index()).isGreaterThanOrEqualTo(noop);
    });
  }
}
