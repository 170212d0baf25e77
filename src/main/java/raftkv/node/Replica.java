package raftkv.node;

import java.util.List;
import raftkv.raft.ChangeResult;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.Membership;
import raftkv.raft.Message;
import raftkv.raft.RaftNode;
import raftkv.raft.ReadState;
import raftkv.raft.Role;
import raftkv.raft.SnapshotMeta;
import raftkv.raft.SoftState;

/**
 * One member of the replicated state machine as a host runs it: the Raft core, the {@link
 * NodeDriver} that carries out its Readies, the state machine that committed entries are applied
 * to, and the client requests waiting on them ({@link PendingRequests}). {@code RaftVerticle} runs
 * one on its event loop and the simulator one per simulated server, so the simulator checks the
 * code that production runs.
 *
 * <p><b>A broken invariant halts the replica.</b> An exception out of the core ("conflicts with a
 * committed entry", "two leaders in one term"), the driver, the state machine or the host's own
 * callbacks leaves state changed halfway: acting on it could acknowledge what is not on disk or
 * apply what is not committed. So, as etcd panics, the replica stops for good: it tells the host
 * ({@link Host#halted}), fails every waiting request, and ignores every later input. The host
 * closes its connections and the process exits; a restart recovers from the disk, which held
 * only what had been made durable.
 *
 * <p>Single-threaded, like the core: call everything on the host's one thread.
 *
 * @param <R> what applying a command yields (the answer a writer gets)
 */
public final class Replica<R> {

  /** Applies committed commands; the same entries in the same order give the same results. */
  public interface StateMachine<R> {
    R apply(Entry entry);
  }

  /** The world around a replica: the network, the disk, and someone to tell when it halts. */
  public interface Host {
    /** Sends a message; never blocks, never throws for a lost message. */
    void send(Message message);

    /** As {@link NodeDriver.Environment#persist}: durable, then {@code onDurable} on this thread. */
    void persist(HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
        Runnable onDurable);

    /**
     * As {@link NodeDriver.Environment#installSnapshot}: the state machine becomes the one the
     * host received for {@code snapshot}. Must be quick: it runs on the node's thread.
     */
    void installSnapshot(SnapshotMeta snapshot);

    /** The role, term or leader changed (for the host's log). */
    void roleChanged(SoftState previous, SoftState current);

    /**
     * The configuration in effect changed (an entry was appended or truncated, a snapshot
     * installed): the host dials the new members from now on.
     */
    default void membershipChanged(Membership previous, Membership current) {}

    /**
     * The replica halted and will do nothing more. {@code during} says what it was doing. Called
     * once; the host should stop taking messages and requests for it.
     */
    void halted(Throwable cause, String during);
  }

  private final RaftNode raft;
  private final Host host;
  private final StateMachine<R> stateMachine;
  private final NodeDriver driver;
  private final PendingRequests<R> pending = new PendingRequests<>();
  private Throwable haltCause;
  private boolean stopped;
  private Membership membership;

  public Replica(RaftNode raft, Host host, StateMachine<R> stateMachine) {
    this.raft = raft;
    this.host = host;
    this.stateMachine = stateMachine;
    this.driver = new NodeDriver(raft, new DriverEnvironment());
    this.membership = raft.membership();
  }

  // ------------------------------------------------------------------ inputs

  /** One tick of logical time; then {@link #process()}. */
  public void tick() {
    guarded("ticking", raft::tick);
  }

  /** Messages from peers; then {@link #process()}. */
  public void receive(List<Message> messages) {
    guarded("handling a message from a peer", () -> {
      for (Message m : messages) raft.step(m);
    });
  }

  /**
   * Proposes {@code command}; the waiter hears once its entry is applied (or can no longer be).
   *
   * @return false, and the waiter is not called, when this node does not lead (or cannot serve)
   */
  public boolean propose(String command, Waiter<R> waiter) {
    if (!serving()) return false;
    long[] index = {-1};
    guarded("proposing a command", () -> {
      index[0] = raft.propose(command);
      if (index[0] > 0) pending.addWrite(index[0], raft.term(), waiter);
    });
    return index[0] > 0 && !halted();
  }

  /**
   * Proposes {@code next} as the configuration; the waiter hears once its entry is applied (or
   * can no longer be). A refusal (not the leader, another change under way, a learner not caught
   * up) is returned and the waiter is not called.
   */
  public ChangeResult proposeMembership(Membership next, Waiter<R> waiter) {
    if (!serving()) return stoppedResult();
    ChangeResult[] result = {stoppedResult()};
    guarded("proposing a configuration change", () -> {
      result[0] = raft.proposeMembership(next);
      if (result[0].accepted()) pending.addWrite(result[0].index(), raft.term(), waiter);
    });
    return halted() ? stoppedResult() : result[0];
  }

  /** Starts handing leadership to {@code target} (0: the best voter); see the core's method. */
  public ChangeResult transferLeadership(int target) {
    if (!serving()) return stoppedResult();
    ChangeResult[] result = {stoppedResult()};
    guarded("transferring leadership", () -> result[0] = raft.transferLeadership(target));
    return result[0];
  }

  private static ChangeResult stoppedResult() {
    return new ChangeResult(0, ChangeResult.Refusal.NOT_LEADER, "the node is not serving");
  }

  /**
   * Asks for a linearizable read; the waiter's {@code succeeded} means the state machine now
   * reflects every write committed before the read started.
   *
   * @return false, and the waiter is not called, when this node does not lead (or cannot serve)
   */
  public boolean read(Waiter<Void> waiter) {
    if (!serving()) return false;
    boolean[] accepted = {false};
    guarded("starting a read", () -> {
      long context = pending.nextReadContext();
      accepted[0] = raft.readIndex(context);
      if (accepted[0]) pending.addRead(context, waiter);
    });
    return accepted[0] && !halted();
  }

  /**
   * The host's snapshot of the state machine up to {@code index} is durable: the core compacts
   * its log and sends that snapshot to followers too far behind.
   *
   * @return the snapshot as the core recorded it, or null if the replica is not serving
   */
  public SnapshotMeta snapshotTaken(long index) {
    SnapshotMeta[] taken = {null};
    guarded("recording a snapshot", () -> taken[0] = raft.snapshotTaken(index));
    return taken[0];
  }

  /** The host's report on a snapshot transfer to {@code peer}; then {@link #process()}. */
  public void reportSnapshot(int peer, boolean installed) {
    guarded("taking a snapshot report", () -> raft.reportSnapshot(peer, installed));
  }

  /** Carries out what the inputs so far asked for (the Ready loop). Call after inputs. */
  public void process() {
    // first, so that the host dials a member added by the inputs before the Ready's messages go
    followMembership();
    guarded("processing a Ready", driver::process);
    followMembership();
  }

  private void followMembership() {
    Membership now = raft.membership();
    if (now != membership && serving()) { // the core makes a new one for every change
      Membership before = membership;
      membership = now;
      guarded("following a configuration change", () -> host.membershipChanged(before, now));
    }
  }

  /**
   * The host is shutting down: waiting writes may still commit elsewhere, so they fail with
   * OUTCOME_UNKNOWN, never as "not written"; waiting reads fail UNAVAILABLE. Later inputs are
   * ignored.
   */
  public void stop(String why) {
    if (stopped || halted()) return;
    stopped = true;
    pending.stopping(why);
  }

  /**
   * Halts the replica (see the class comment): for a failure the host found itself, such as a
   * failed disk write. Idempotent: only the first cause is reported.
   */
  public void halt(Throwable cause, String during) {
    if (halted()) return;
    haltCause = cause;
    try {
      pending.stopping("the node stopped after an internal error");
    } catch (RuntimeException | Error ignored) {
      // a waiter's own failure must not hide the cause
    }
    host.halted(cause, during);
  }

  // ------------------------------------------------------------------ inspection

  public boolean halted() {
    return haltCause != null;
  }

  /** The cause of the halt, or null. */
  public Throwable haltCause() {
    return haltCause;
  }

  /** Whether committed entries still wait to be applied (they come out in slices). */
  public boolean hasCommittedToApply() {
    return serving() && raft.hasCommittedToApply();
  }

  /** The core, to read its state (role, term, indexes) for status pages and checkers. */
  public RaftNode raft() {
    return raft;
  }

  public PendingRequests<R> pending() {
    return pending;
  }

  private boolean serving() {
    return !stopped && !halted();
  }

  private void guarded(String during, Runnable action) {
    if (!serving()) return;
    try {
      action.run();
    } catch (RuntimeException | Error e) {
      halt(e, during);
    }
  }

  /** What the driver asks for, passed on to the host, the state machine and the waiters. */
  private final class DriverEnvironment implements NodeDriver.Environment {
    @Override
    public void send(Message message) {
      host.send(message);
    }

    @Override
    public void persist(HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
        Runnable onDurable) {
      host.persist(hardState, snapshot, entries,
          () -> guarded("advancing after a disk write", onDurable));
    }

    @Override
    public void installSnapshot(SnapshotMeta snapshot) {
      host.installSnapshot(snapshot);
    }

    @Override
    public void apply(Entry entry) {
      R result = stateMachine.apply(entry);
      pending.applied(entry, result);
    }

    @Override
    public void readReady(ReadState read) {
      pending.readReady(read.context());
    }

    @Override
    public void readAborted(long context) {
      pending.readAborted(context);
    }

    @Override
    public void softStateChanged(SoftState previous, SoftState current) {
      if (previous.role() == Role.LEADER && current.role() != Role.LEADER) {
        pending.leadershipLost();
      }
      host.roleChanged(previous, current);
    }
  }
}
