package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Raft §5.3: log replication, commitment, heartbeats, pipelining and batching. */
class ReplicationTest {

  private TestNetwork net;
  private RaftNode leader;
  private List<Integer> followers;

  private void elect(int n, long seed, UnaryOperator<RaftConfig.Builder> tweak) {
    net = TestNetwork.of(n, seed, tweak);
    net.tickUntilLeader(100);
    net.stabilize();
    leader = net.leader().orElseThrow();
    followers = TestNetwork.ids(n).stream().filter(id -> id != leader.id()).toList();
  }

  private static List<AppendEntries> appendsTo(List<Message> msgs, int to) {
    return msgs.stream().filter(m -> m instanceof AppendEntries && m.to() == to)
        .map(AppendEntries.class::cast).toList();
  }

  @Test
  @DisplayName("§5.3 a follower acknowledges appended entries only once they are durable")
  void followerAcksAfterPersist() {
    elect(3, 21, c -> c);
    long index = leader.propose("x");
    Ready lrd = leader.ready();
    RaftNode f = net.node(followers.get(0));
    f.step(appendsTo(lrd.messages(), f.id()).get(0));

    Ready frd = f.ready();
    assertThat(frd.entries()).extracting(Entry::command).containsExactly("x");
    assertThat(frd.messages()).noneMatch(AppendEntriesResponse.class::isInstance);
    assertThat(frd.messagesAfterPersist()).singleElement()
        .isInstanceOfSatisfying(AppendEntriesResponse.class, r -> {
          assertThat(r.success()).isTrue();
          assertThat(r.matchIndex()).isEqualTo(index);
        });
  }

  @Test
  @DisplayName("§5.3 an entry commits once a majority holds it durably, the leader counting itself only after advance()")
  void commitNeedsMajorityIncludingLeadersDisk() {
    elect(3, 22, c -> c);
    long index = leader.propose("x");
    Ready lrd = leader.ready();
    assertThat(lrd.messagesAfterPersist()).as("the leader's appends go out before its fsync")
        .isEmpty();
    RaftNode f = net.node(followers.get(0));
    f.step(appendsTo(lrd.messages(), f.id()).get(0));
    Ready frd = f.ready();
    f.advance(frd);
    frd.messagesAfterPersist().forEach(leader::step);

    assertThat(leader.matchIndexes()).containsEntry(f.id(), index);
    assertThat(leader.commitIndex()).as("one follower plus an unpersisted leader is no majority")
        .isLessThan(index);

    leader.advance(lrd);
    assertThat(leader.commitIndex()).isEqualTo(index);
    assertThat(leader.ready().committedEntries()).extracting(Entry::command)
        .containsExactly("x");

    // The other way round: the leader's own durable copy alone is one vote of three.
    long next = leader.propose("y");
    leader.advance(leader.ready());
    assertThat(leader.commitIndex()).isLessThan(next);
  }

  @Test
  @DisplayName("§5.3 a heartbeat carries the commit index no further than the follower's match")
  void heartbeatCommitBoundedByMatch() {
    elect(3, 23, c -> c);
    int lagging = followers.get(0);
    net.cut(leader.id(), lagging);
    for (int i = 0; i < 3; i++) leader.propose("v" + i);
    net.stabilize();
    long commit = leader.commitIndex();
    long lagMatch = leader.matchIndexes().get(lagging);
    assertThat(commit).isEqualTo(leader.log().lastIndex());
    assertThat(lagMatch).isLessThan(commit);

    net.recover();
    leader.tick();
    leader.tick(); // heartbeatTicks = 2
    List<AppendEntries> heartbeats = leader.ready().messages().stream()
        .filter(m -> m instanceof AppendEntries ae && ae.entries().isEmpty())
        .map(AppendEntries.class::cast).toList();
    assertThat(heartbeats).hasSize(2).allSatisfy(hb ->
        assertThat(hb.leaderCommit()).isLessThanOrEqualTo(leader.matchIndexes().get(hb.to())));
    AppendEntries toLagging = appendsTo(new ArrayList<>(heartbeats), lagging).get(0);
    assertThat(toLagging.leaderCommit()).isEqualTo(lagMatch);

    RaftNode lag = net.node(lagging);
    lag.step(toLagging);
    assertThat(lag.commitIndex()).isLessThanOrEqualTo(lag.log().lastIndex());
  }

  @Test
  @DisplayName("§5.3 pipelining: several appends go out before any answer, never more than maxInflightAppends")
  void pipelining() {
    elect(3, 24, c -> c.maxInflightAppends(4).maxEntriesPerAppend(1));
    RaftNode f = net.node(followers.get(0));
    for (int i = 0; i < 20; i++) leader.propose("p" + i);

    ArrayDeque<AppendEntries> unacked = new ArrayDeque<>();
    int firstBurst = -1;
    int maxUnacked = 0;
    for (int round = 0; round < 1000; round++) {
      Ready rd = leader.ready();
      leader.advance(rd);
      for (AppendEntries ae : appendsTo(rd.messages(), f.id())) {
        if (!ae.entries().isEmpty()) unacked.add(ae);
      }
      if (firstBurst < 0) firstBurst = unacked.size();
      maxUnacked = Math.max(maxUnacked, unacked.size());
      if (unacked.isEmpty()) break;
      f.step(unacked.poll());
      Ready frd = f.ready();
      f.advance(frd);
      frd.messagesAfterPersist().forEach(leader::step);
    }
    assertThat(firstBurst).as("appends sent before any response").isEqualTo(4);
    assertThat(maxUnacked).isLessThanOrEqualTo(4);
    assertThat(f.log().slice(1, f.log().lastIndex()))
        .isEqualTo(leader.log().slice(1, leader.log().lastIndex()));
    assertThat(leader.commitIndex()).isEqualTo(leader.log().lastIndex());
  }

  @Test
  @DisplayName("§5.3 batching: 100 proposals in one Ready go out in ceil(100 / maxEntriesPerAppend) messages")
  void batching() {
    elect(3, 25, c -> c.maxEntriesPerAppend(16));
    long first = leader.log().lastIndex() + 1;
    for (int i = 0; i < 100; i++) leader.propose("b" + i);
    Ready rd = leader.ready();
    for (int f : followers) {
      List<AppendEntries> appends = appendsTo(rd.messages(), f);
      assertThat(appends).hasSize(7).allSatisfy(ae -> assertThat(ae.entries()).hasSizeLessThanOrEqualTo(16));
      List<Entry> carried = appends.stream().flatMap(ae -> ae.entries().stream()).toList();
      assertThat(carried).isEqualTo(leader.log().slice(first, first + 99));
    }
  }

  @Test
  @DisplayName("§5.3 an append lost while pipelining is resent once the pipeline has stalled for an election timeout")
  void lostAppendIsResent() {
    elect(3, 26, c -> c);
    int f = followers.get(0);
    net.cut(leader.id(), f);
    long index = leader.propose("lost");
    net.stabilize(); // the append to f is lost; the other follower makes it committed
    assertThat(leader.commitIndex()).isEqualTo(index);
    net.recover();

    int ticks = 0;
    while (net.node(f).log().lastIndex() < index && ticks < 100) {
      net.tickAll();
      ticks++;
    }
    assertThat(net.node(f).log().lastIndex()).isEqualTo(index);
    // Heartbeats alone do not resend it (they probe at the known match, which still agrees).
    assertThat(ticks).isGreaterThan(2).isLessThanOrEqualTo(2 * 10);
  }
}
