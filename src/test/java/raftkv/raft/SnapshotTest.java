package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Raft §7: log compaction and InstallSnapshot, in the core alone. */
class SnapshotTest {

  private TestNetwork net;
  private RaftNode leader;

  private void elect(long seed, long margin) {
    net = TestNetwork.of(3, seed, c -> c.compactionMargin(margin));
    net.tickUntilLeader(100);
    net.stabilize();
    leader = net.leader().orElseThrow();
  }

  private int follower(int n) {
    return TestNetwork.ids(3).stream().filter(id -> id != leader.id()).toList().get(n);
  }

  private void write(int count) {
    for (int i = 0; i < count; i++) leader.propose("w" + i);
    net.stabilize();
  }

  @Test
  @DisplayName("a snapshot compacts the log, keeping the margin before it")
  void snapshotCompactsKeepingTheMargin() {
    elect(1, 3);
    write(20);
    long commit = leader.commitIndex();
    long term = leader.log().termAt(15);

    SnapshotMeta taken = leader.snapshotTaken(15);

    assertThat(taken).isEqualTo(new SnapshotMeta(15, term, Membership.ofVoters(List.of(1, 2, 3))));
    assertThat(leader.log().snapshot()).isEqualTo(taken);
    assertThat(leader.log().firstIndex()).isEqualTo(13);
    assertThat(leader.log().termAt(12)).isEqualTo(leader.log().termAt(13));
    assertThat(leader.log().termAt(11)).isEqualTo(-1);
    assertThat(leader.log().lastIndex()).isEqualTo(commit);
    leader.log().checkInvariants();
    assertThat(leader.snapshotTaken(10)).as("an older one changes nothing").isEqualTo(taken);
  }

  @Test
  @DisplayName("a snapshot past what was handed out to be applied is refused")
  void snapshotPastAppliedIsRefused() {
    elect(2, 0);
    write(5);
    long last = leader.log().lastIndex();
    leader.propose("not applied yet");
    assertThatThrownBy(() -> leader.snapshotTaken(last + 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past the applied");
  }

  @Test
  @DisplayName("§7 a follower that needs compacted entries gets the snapshot, then entries")
  void laggingFollowerGetsTheSnapshotThenEntries() {
    elect(3, 0);
    int lagging = follower(0);
    net.isolate(lagging);
    write(30);
    long snapshotIndex = leader.commitIndex();
    leader.snapshotTaken(snapshotIndex);
    net.recover();

    List<InstallSnapshot> sent = new ArrayList<>();
    net.dropIf(m -> {
      if (m instanceof InstallSnapshot s) sent.add(s);
      return false;
    });
    // the appends lost in the partition stall the pipeline: after an election timeout the
    // leader probes, and the probe needs entries it no longer holds
    for (int i = 0; i < 30 && net.node(lagging).commitIndex() < snapshotIndex; i++) {
      net.tick(leader.id());
    }

    assertThat(sent).isNotEmpty().allSatisfy(s -> {
      assertThat(s.to()).isEqualTo(lagging);
      assertThat(s.snapshot()).isEqualTo(leader.log().snapshot());
    });
    RaftNode f = net.node(lagging);
    assertThat(f.log().snapshot()).isEqualTo(leader.log().snapshot());
    assertThat(f.log().firstIndex()).isEqualTo(snapshotIndex + 1);
    assertThat(f.commitIndex()).isEqualTo(snapshotIndex);

    write(3);
    net.tick(leader.id());
    net.tick(leader.id()); // a heartbeat carries the new commit index
    assertThat(f.log().lastIndex()).isEqualTo(leader.log().lastIndex());
    assertThat(f.commitIndex()).isEqualTo(leader.commitIndex());
    f.log().checkInvariants();
  }

  @Test
  @DisplayName("§7 installing a snapshot replaces the log, and the Ready says so before anything after it")
  void installReplacesTheLogThroughTheReady() {
    RaftNode f = new RaftNode(TestNetwork.config(2, TestNetwork.ids(3), 4).build(),
        new HardState(1, 0, 2), TestNetwork.log(1, 1, 1), 0);
    f.ready(); // hands out the stored committed entries
    SnapshotMeta snapshot = new SnapshotMeta(10, 2);

    f.step(new InstallSnapshot(1, 2, 2, snapshot));
    Ready rd = f.ready();

    assertThat(rd.snapshot()).isEqualTo(snapshot);
    assertThat(rd.entries()).isEmpty();
    assertThat(rd.committedEntries()).isEmpty();
    assertThat(rd.messagesAfterPersist()).singleElement()
        .isInstanceOfSatisfying(AppendEntriesResponse.class, r -> {
          assertThat(r.success()).isTrue();
          assertThat(r.matchIndex()).isEqualTo(10);
        });
    assertThat(rd.hardState().commit()).isEqualTo(10);
    assertThat(f.log().firstIndex()).isEqualTo(11);
    assertThat(f.log().lastIndex()).isEqualTo(10);
    assertThat(f.log().lastTerm()).isEqualTo(2);
    f.log().checkInvariants();
  }

  @Test
  @DisplayName("§7 a snapshot within the committed log is refused: the follower keeps its log")
  void staleSnapshotIsRefused() {
    RaftNode f = new RaftNode(TestNetwork.config(2, TestNetwork.ids(3), 5).build(),
        new HardState(2, 0, 5), TestNetwork.log(1, 1, 2, 2, 2, 2), 0);
    f.ready();

    f.step(new InstallSnapshot(1, 2, 2, new SnapshotMeta(4, 2)));
    Ready rd = f.ready();

    assertThat(rd.snapshot()).isNull();
    assertThat(f.log().firstIndex()).isEqualTo(1);
    assertThat(f.log().lastIndex()).isEqualTo(6);
    assertThat(rd.messagesAfterPersist()).singleElement()
        .isInstanceOfSatisfying(AppendEntriesResponse.class,
            r -> assertThat(r.matchIndex()).isEqualTo(5));
  }

  @Test
  @DisplayName("§7 a snapshot whose last entry the follower holds only moves its commit index")
  void snapshotMatchingTheLogOnlyCommits() {
    RaftNode f = new RaftNode(TestNetwork.config(2, TestNetwork.ids(3), 6).build(),
        new HardState(2, 0, 1), TestNetwork.log(1, 1, 2, 2, 2, 2), 0);
    f.ready();

    f.step(new InstallSnapshot(1, 2, 2, new SnapshotMeta(4, 2)));
    Ready rd = f.ready();

    assertThat(rd.snapshot()).isNull();
    assertThat(f.commitIndex()).isEqualTo(4);
    assertThat(f.log().lastIndex()).as("entries after it stay").isEqualTo(6);
    assertThat(rd.committedEntries()).extracting(Entry::index).containsExactly(2L, 3L, 4L);
  }

  @Test
  @DisplayName("a follower compacted past the leader's previous index answers with its commit index")
  void followerCompactedPastThePreviousIndexAnswersItsCommit() {
    RaftNode f = new RaftNode(TestNetwork.config(2, TestNetwork.ids(3), 7).build(),
        new HardState(2, 0, 8), new SnapshotMeta(6, 2), TestNetwork.log(1, 1, 2, 2, 2, 2, 2, 2)
            .subList(6, 8), 8);

    f.step(new AppendEntries(1, 2, 2, 3, 1, List.of(new Entry(4, 2, "old")), 8, 0));
    Ready rd = f.ready();

    assertThat(rd.messagesAfterPersist()).singleElement()
        .isInstanceOfSatisfying(AppendEntriesResponse.class, r -> {
          assertThat(r.success()).isTrue();
          assertThat(r.matchIndex()).isEqualTo(8);
        });
    assertThat(rd.entries()).isEmpty();
  }

  @Test
  @DisplayName("a failed transfer is retried at the next heartbeat; a finished one probes after the snapshot")
  void transferReportsMoveTheFollowerOn() {
    elect(8, 0);
    int lagging = follower(0);
    net.isolate(lagging);
    write(10);
    long snapshotIndex = leader.commitIndex();
    leader.snapshotTaken(snapshotIndex);
    List<InstallSnapshot> sent = new ArrayList<>();
    net.recover().dropIf(m -> m instanceof InstallSnapshot s && sent.add(s)); // lost, counted
    for (int i = 0; i < 40; i++) net.tick(leader.id());
    assertThat(sent).as("one transfer at a time, until the host reports").hasSize(1);

    leader.reportSnapshot(lagging, false);
    net.stabilize();
    assertThat(sent).as("not in a tight loop").hasSize(1);
    for (int i = 0; i < 3; i++) net.tick(leader.id());
    assertThat(sent).as("again at the next heartbeat").hasSize(2);

    List<AppendEntries> probes = new ArrayList<>();
    net.recover().dropIf(m -> m instanceof AppendEntries a && a.to() == lagging && probes.add(a));
    leader.reportSnapshot(lagging, true);
    net.stabilize();
    assertThat(probes).first().extracting(AppendEntries::prevLogIndex).isEqualTo(snapshotIndex);
  }

  @Test
  @DisplayName("a restart from a snapshot keeps the stored entries that continue it")
  void restartFromASnapshot() {
    List<Entry> all = TestNetwork.log(1, 1, 1, 2, 2, 2, 3, 3);
    RaftNode n = new RaftNode(TestNetwork.config(1, TestNetwork.ids(3), 9).build(),
        new HardState(3, 0, 7), new SnapshotMeta(5, 2), all.subList(3, 8), 5);

    assertThat(n.log().firstIndex()).isEqualTo(5);
    assertThat(n.log().termAt(4)).isEqualTo(2);
    assertThat(n.log().lastIndex()).isEqualTo(8);
    assertThat(n.commitIndex()).isEqualTo(7);
    assertThat(n.ready().committedEntries()).extracting(Entry::index).containsExactly(6L, 7L);
    n.log().checkInvariants();

    assertThatThrownBy(() -> new RaftNode(TestNetwork.config(1, TestNetwork.ids(3), 9).build(),
        HardState.EMPTY, new SnapshotMeta(5, 3), all.subList(3, 8), 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("says 3");
    assertThatThrownBy(() -> new RaftNode(TestNetwork.config(1, TestNetwork.ids(3), 9).build(),
        HardState.EMPTY, new SnapshotMeta(2, 1), all.subList(4, 8), 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("are missing");
  }

  @Test
  @DisplayName("compaction never reaches past the snapshot, whatever the order of events")
  void randomCompactionKeepsTheInvariants() {
    SplittableRandom random = new SplittableRandom(10);
    elect(10, 2);
    for (int round = 0; round < 50; round++) {
      write(1 + random.nextInt(5));
      long applied = leader.commitIndex();
      leader.snapshotTaken(applied - random.nextInt(3));
      for (int id : TestNetwork.ids(3)) net.node(id).log().checkInvariants();
    }
    assertThat(leader.log().size()).isLessThan(20);
  }
}
