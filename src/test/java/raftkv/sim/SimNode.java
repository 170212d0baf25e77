package raftkv.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import raftkv.kv.CommandStamper;
import raftkv.kv.KvCommand;
import raftkv.kv.KvResult;
import raftkv.kv.KvStateMachine;
import raftkv.node.Replica;
import raftkv.node.Waiter;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.Message;
import raftkv.raft.RaftConfig;
import raftkv.raft.RaftNode;
import raftkv.raft.Role;
import raftkv.raft.Sabotage;
import raftkv.raft.SoftState;
import raftkv.storage.Recovered;

/**
 * One simulated server, running what a production node runs: the {@link Replica} (the real
 * core, driver and pending-request bookkeeping) over the real {@link KvStateMachine}, writing
 * through a {@link SimDisk} that fsyncs when production does. A kill loses the process but not
 * the page cache; a power loss loses the page cache too. A restart rebuilds the node from the
 * disk alone.
 */
final class SimNode implements Replica.Host {

  private final int id;
  private final Simulation sim;
  private final SplittableRandom random;
  /** Where virtual time 0 is on the nodes' clocks (a stamp of 0 means "not stamped"). */
  private static final long TIME_ORIGIN_MS = 1_700_000_000_000L;

  private final SimDisk disk;
  /** How far this node's clock is off. */
  private final long clockSkewMs;
  private final CommandStamper stamper = new CommandStamper();
  private Replica<KvResult> replica;
  private KvStateMachine kv = new KvStateMachine();
  private boolean up;
  /** Bumped whenever the process dies, so events scheduled by the previous life are ignored. */
  private int incarnation;
  /** Frozen (a GC pause, SIGSTOP): what arrives meanwhile waits in {@link #held}, by source. */
  private boolean paused;
  private final Map<String, List<Runnable>> held = new LinkedHashMap<>();

  SimNode(int id, Simulation sim, SplittableRandom random) {
    this.id = id;
    this.sim = sim;
    this.random = random;
    this.disk = new SimDisk(sim.clock(), random.split(), sim.options().diskLatencyMaxMs(),
        sim.sabotage().contains(Sabotage.TRUST_RECOVERED_DATA), this::afterDiskBatch,
        done -> whenRunning("disk", done));
    long skew = sim.options().clockSkewMaxMs();
    this.clockSkewMs = skew == 0 ? 0 : random.nextLong(-skew, skew + 1);
  }

  int id() {
    return id;
  }

  boolean isUp() {
    return up;
  }

  boolean isPaused() {
    return paused;
  }

  RaftNode raft() {
    return replica.raft();
  }

  KvStateMachine state() {
    return kv;
  }

  void start() {
    RaftConfig config = RaftConfig.builder(id, sim.memberIds(), random.split())
        .ticks(10, 2)
        .maxInflightAppends(sim.options().maxInflightAppends())
        .maxEntriesPerAppend(sim.options().maxEntriesPerAppend())
        .maxBytesPerAppend(1 << 16)
        .sabotage(sim.sabotage())
        .build();
    Recovered recovered = disk.load();
    kv = new KvStateMachine();
    replica = new Replica<>(new RaftNode(config, recovered.hardState(), recovered.entries(), 0),
        this, this::apply);
    up = true;
    int life = incarnation;
    sim.trace().add("start", "node " + id + " " + recovered.hardState() + " log="
        + recovered.lastIndex());
    afterInput();
    sim.clock().after(random.nextLong(sim.options().tickMs()), () -> tickLoop(life));
  }

  /** The process dies (SIGKILL): the machine, and its page cache, live on. */
  void kill() {
    die("killed");
    disk.kill();
    sim.trace().add("kill", "node " + id + " reads back log=" + disk.storage().lastIndex()
        + ", durable " + disk.storage().syncedEntries().size());
  }

  /** The machine loses power (whether the process was up or not). */
  void powerLoss() {
    if (up) die("lost power");
    disk.powerLoss();
    sim.trace().add("power", "node " + id + " kept log=" + disk.storage().lastIndex());
  }

  /** Its clients learn nothing more: a write's outcome is unknown, a read never happened. */
  private void die(String how) {
    up = false;
    paused = false;
    held.clear();
    incarnation++;
    replica.stop("node " + id + " " + how);
  }

  /**
   * Freezes the process for {@code ms}: no ticks, and every message, client request and disk
   * completion that arrives waits. On waking it handles them source by source in an arbitrary
   * order of sources (each source's in the order they came), as an event loop reads one
   * connection after another, before its next tick.
   */
  void pause(long ms) {
    if (!up || paused) return;
    paused = true;
    int life = incarnation;
    sim.trace().add("pause", "node " + id + " for " + ms + " ms");
    sim.clock().after(ms, () -> {
      if (life == incarnation) resume();
    });
  }

  void resume() {
    if (!paused) return;
    paused = false;
    List<List<Runnable>> sources = new ArrayList<>(held.values());
    held.clear();
    Collections.shuffle(sources, new java.util.Random(random.nextLong()));
    sim.trace().add("resume", "node " + id + " handles what " + sources.size()
        + " sources sent meanwhile");
    int life = incarnation;
    for (List<Runnable> source : sources) {
      for (Runnable r : source) {
        if (life != incarnation || paused) return;
        r.run();
      }
    }
    sim.clock().after(sim.options().tickMs(), () -> tickLoop(life));
  }

  /** Runs {@code action} from {@code source} now, or on waking if the process is frozen. */
  void whenRunning(String source, Runnable action) {
    if (paused) {
      held.computeIfAbsent(source, k -> new ArrayList<>()).add(action);
    } else {
      action.run();
    }
  }

  private void tickLoop(int life) {
    if (life != incarnation || paused) return; // a frozen node's timer resumes with it
    replica.tick();
    afterInput();
    sim.clock().after(sim.options().tickMs(), () -> tickLoop(life));
  }

  void receive(Message m) {
    if (!up) return;
    if (paused) {
      whenRunning("node " + m.from(), () -> receive(m));
      return;
    }
    sim.trace().add("recv", m);
    long commitBefore = replica.raft().commitIndex();
    replica.receive(List.of(m));
    boolean leaderCommitted = replica.raft().role() == Role.LEADER
        && replica.raft().commitIndex() > commitBefore;
    if (leaderCommitted && sim.crashedOnCommit(this)) return; // it dies before acting on it
    afterInput();
  }

  private void afterInput() {
    do {
      replica.process(); // a long log comes out in slices; virtual time does not pass between
    } while (replica.hasCommittedToApply());
    sim.checker().afterEvent(replica.raft());
  }

  private void afterDiskBatch() {
    if (up) afterInput();
  }

  private KvResult apply(Entry entry) {
    sim.checker().onApply(id, replica.raft().term(), entry);
    return kv.apply(entry);
  }

  // ------------------------------------------------------------------ client requests

  /**
   * Proposes a write, stamped with this node's clock (a leader stamps what it proposes); the
   * waiter hears its fate.
   *
   * @return where its entry went, or null when this node cannot take it (down, not leader)
   */
  History.Attempt propose(KvCommand kvCommand, long keepIdMs, Waiter<KvResult> waiter) {
    if (!up) return null;
    // stamped as a leader stamps it, with this node's clock, which may be off by a little
    long now = TIME_ORIGIN_MS + sim.clock().now() + clockSkewMs;
    String command = stamper.stamp(kvCommand, now, keepIdMs).encode();
    if (!replica.propose(command, waiter)) return null;
    RaftNode raft = replica.raft();
    History.Attempt attempt = new History.Attempt(raft.log().lastIndex(), raft.term(), command);
    afterInput();
    sim.onProposed(this);
    return attempt;
  }

  /** Starts a linearizable read; false when this node cannot take it. */
  boolean read(Waiter<Void> waiter) {
    if (!up || !replica.read(waiter)) return false;
    afterInput();
    return true;
  }

  // ------------------------------------------------------------------ Replica.Host

  @Override
  public void send(Message message) {
    sim.trace().add("send", message);
    sim.checker().onPromise(replica.raft(), message, disk.storage());
    sim.network().send(message);
  }

  @Override
  public void persist(HardState hardState, List<Entry> entries, Runnable onDurable) {
    sim.checker().onEntriesWritten(replica.raft(), entries);
    disk.persist(hardState, entries, onDurable);
  }

  @Override
  public void roleChanged(SoftState previous, SoftState current) {
    sim.trace().add("role", "node " + id + " " + previous.role() + " -> " + current.role()
        + " t=" + current.term() + " lead=" + current.leaderId());
    if (current.role() == Role.LEADER) {
      sim.checker().onLeader(replica.raft());
      sim.onLeaderElected(this);
    }
  }

  /**
   * A correct node never halts: whatever broke it is what the simulation is looking for. (A
   * check that failed inside one of the node's callbacks halts it too: pass that on as it is.)
   */
  @Override
  public void halted(Throwable cause, String during) {
    if (cause instanceof SimulationFailure failure) throw failure;
    throw new SimulationFailure("node " + id + " halted while " + during + ": " + cause);
  }
}
