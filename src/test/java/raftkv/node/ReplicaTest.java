package raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import raftkv.raft.AppendEntries;
import raftkv.raft.AppendEntriesResponse;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.Message;
import raftkv.raft.RaftConfig;
import raftkv.raft.RaftNode;
import raftkv.raft.RequestVote;
import raftkv.raft.RequestVoteResponse;
import raftkv.raft.Role;
import raftkv.raft.SnapshotMeta;
import raftkv.raft.SoftState;

/**
 * A replica in isolation: its host, disk and state machine are the test's, and every message
 * is handed to it by hand. Each test: build, act, check what the host and the waiters saw.
 */
class ReplicaTest {

  private static final List<Integer> THREE = List.of(1, 2, 3);

  /** The host's side: what was sent, disk writes waiting to complete, a halt. */
  private static final class Host implements Replica.Host {
    final List<Message> sent = new ArrayList<>();
    final List<Runnable> writes = new ArrayList<>();
    Throwable haltCause;
    String haltDuring;
    boolean failSends;

    @Override
    public void send(Message message) {
      if (failSends) throw new IllegalStateException("transport bug");
      sent.add(message);
    }

    @Override
    public void persist(HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
        Runnable onDurable) {
      writes.add(onDurable);
    }

    @Override
    public void installSnapshot(SnapshotMeta snapshot) {
      throw new AssertionError("no snapshots here");
    }

    @Override
    public void roleChanged(SoftState previous, SoftState current) {}

    @Override
    public void halted(Throwable cause, String during) {
      haltCause = cause;
      haltDuring = during;
    }

    void completeWrites(Replica<?> replica) {
      while (!writes.isEmpty()) {
        writes.remove(0).run();
        replica.process();
      }
    }
  }

  /** What a waiter heard. */
  private static final class Heard<T> implements Waiter<T> {
    T value;
    Failure failure;
    int calls;

    @Override
    public void succeeded(T v) {
      value = v;
      calls++;
    }

    @Override
    public void failed(Failure f, String why) {
      failure = f;
      calls++;
    }
  }

  private final Host host = new Host();
  private final List<Entry> applied = new ArrayList<>();

  private Replica<String> replica(RaftNode raft) {
    return new Replica<>(raft, host, entry -> {
      applied.add(entry);
      return "applied " + entry.index();
    });
  }

  private static RaftConfig config(int id) {
    return RaftConfig.builder(id, THREE, new SplittableRandom(id)).build();
  }

  /** Node 1 elected leader of term 1 by node 2, its no-op committed with node 2's help. */
  private Replica<String> leader() {
    Replica<String> r = replica(new RaftNode(config(1)));
    while (r.raft().role() == Role.FOLLOWER) {
      r.tick();
      r.process();
    }
    r.receive(List.of(new RequestVoteResponse(2, 1, 1, true, true))); // pre-vote
    r.process();
    host.completeWrites(r); // term and vote durable: the vote requests leave
    r.receive(List.of(new RequestVoteResponse(2, 1, 1, true, false)));
    r.process();
    host.completeWrites(r);
    assertThat(r.raft().role()).isEqualTo(Role.LEADER);
    acknowledge(r, 2, r.raft().log().lastIndex());
    assertThat(r.raft().commitIndex()).isEqualTo(1);
    host.sent.clear();
    return r;
  }

  private static void acknowledge(Replica<?> r, int from, long index) {
    r.receive(List.of(AppendEntriesResponse.accept(from, 1, r.raft().term(), index, 0)));
    r.process();
  }

  // ------------------------------------------------------------------ a broken invariant halts

  @Test
  void aConflictWithACommittedEntryHaltsTheReplicaAndNothingMoreHappens() {
    List<Entry> log = List.of(new Entry(1, 1, "a"), new Entry(2, 1, "b"));
    Replica<String> follower = replica(new RaftNode(config(2), new HardState(1, 1, 2), log, 0));
    follower.process();
    Heard<Void> read = new Heard<>();
    host.sent.clear();

    // a "leader" of term 2 that says index 1 holds something else: impossible in Raft
    follower.receive(List.of(new AppendEntries(1, 2, 2, 0, 0,
        List.of(new Entry(1, 2, "rewritten")), 2, 0)));
    follower.process();

    assertThat(follower.halted()).isTrue();
    assertThat(host.haltCause).hasMessageContaining("conflicts with committed entry");
    assertThat(host.haltDuring).isEqualTo("handling a message from a peer");
    assertThat(follower.raft().log().entryAt(1)).isEqualTo(new Entry(1, 1, "a"));
    for (int i = 0; i < 50; i++) follower.tick();
    follower.receive(List.of(new RequestVote(3, 2, 9, 2, 1, false)));
    follower.process();
    assertThat(host.sent).as("a halted replica says nothing").isEmpty();
    assertThat(host.writes).isEmpty();
    assertThat(follower.read(read)).isFalse();
  }

  @Test
  void aStateMachineThatThrowsHaltsTheReplicaAndTheWriteIsNotAnsweredAsDone() {
    Replica<String> leader = leader();
    Replica<String> broken = new Replica<>(leader.raft(), host, entry -> {
      throw new IllegalStateException("state machine bug at " + entry.index());
    });
    Heard<String> write = new Heard<>();
    assertThat(broken.propose("w", write)).isTrue();
    broken.process();
    host.completeWrites(broken);

    acknowledge(broken, 2, 2);

    assertThat(broken.halted()).isTrue();
    assertThat(host.haltCause).hasMessage("state machine bug at 2");
    assertThat(host.haltDuring).isEqualTo("processing a Ready");
    assertThat(write.failure).isEqualTo(Failure.OUTCOME_UNKNOWN);
  }

  @Test
  void aHostCallbackThatThrowsHaltsTheReplica() {
    Replica<String> leader = leader();
    host.failSends = true;

    leader.propose("w", new Heard<>());
    leader.process();

    assertThat(leader.halted()).isTrue();
    assertThat(host.haltCause).hasMessage("transport bug");
    assertThat(host.haltDuring).isEqualTo("processing a Ready");
  }

  @Test
  void aFailedDiskWriteReportedByTheHostHaltsItToo() {
    Replica<String> leader = leader();
    Heard<String> write = new Heard<>();
    leader.propose("w", write);
    leader.process();

    leader.halt(new java.io.IOException("No space left on device"), "writing its log");

    assertThat(host.haltCause).hasMessage("No space left on device");
    assertThat(write.failure).isEqualTo(Failure.OUTCOME_UNKNOWN);
    host.completeWrites(leader); // the write's completion arrives after all: ignored
    acknowledge(leader, 2, 2);
    assertThat(applied).extracting(Entry::index).containsExactly(1L);
  }

  // ------------------------------------------------------------------ answers

  @Test
  void aWriteCommittedInTheReadyThatLosesLeadershipGetsItsResult() {
    Replica<String> leader = leader();
    Heard<String> write = new Heard<>();
    leader.propose("w", write);
    leader.process();
    host.completeWrites(leader);

    // one turn of the event loop: node 2's ack commits index 2, node 3 reveals a later term
    leader.receive(List.of(AppendEntriesResponse.accept(2, 1, 1, 2, 0),
        AppendEntriesResponse.reject(3, 1, 5, 2, 0, 0, 0)));
    leader.process();

    assertThat(leader.raft().role()).isEqualTo(Role.FOLLOWER);
    assertThat(write.value).isEqualTo("applied 2");
    assertThat(write.calls).isEqualTo(1);
  }

  @Test
  void writesStillWaitingWhenLeadershipIsLostMayOrMayNotCommit() {
    Replica<String> leader = leader();
    Heard<String> write = new Heard<>();
    leader.propose("w", write);
    leader.process();

    leader.receive(List.of(AppendEntriesResponse.reject(3, 1, 5, 2, 0, 0, 0)));
    leader.process();

    assertThat(write.failure).isEqualTo(Failure.OUTCOME_UNKNOWN);
  }

  @Test
  void aWriteWhoseIndexAnotherLeaderFilledWasNotApplied() {
    Replica<String> leader = leader();
    Heard<String> write = new Heard<>();
    leader.propose("w", write);
    leader.process();
    host.completeWrites(leader);

    // node 2 leads term 2 without our entry: its no-op takes index 2, and is committed
    leader.receive(List.of(new AppendEntries(2, 1, 2, 1, 1, List.of(new Entry(2, 2, "")), 2, 0)));
    leader.process();

    assertThat(leader.raft().role()).isEqualTo(Role.FOLLOWER);
    assertThat(write.failure).as("applied first, so the waiter learns its write is certainly"
        + " not applied rather than \"unknown\"").isEqualTo(Failure.NOT_APPLIED);
  }

  @Test
  void stoppingAnswersWaitingWritesAsUnknownAndWaitingReadsAsUnavailable() {
    Replica<String> leader = leader();
    Heard<String> write = new Heard<>();
    Heard<Void> read = new Heard<>();
    leader.propose("w", write);
    leader.read(read);
    leader.process();

    leader.stop("node 1 is shutting down");

    assertThat(write.failure).as("its entry is in the log and may commit")
        .isEqualTo(Failure.OUTCOME_UNKNOWN);
    assertThat(read.failure).isEqualTo(Failure.UNAVAILABLE);
    assertThat(leader.propose("x", new Heard<>())).isFalse();
    assertThat(leader.halted()).isFalse();
  }
}
