package raftkv.sim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import raftkv.node.NodeDriver;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.Message;
import raftkv.raft.RaftConfig;
import raftkv.raft.RaftNode;
import raftkv.raft.ReadState;
import raftkv.raft.Role;
import raftkv.raft.SoftState;
import raftkv.storage.MemoryRaftStorage;
import raftkv.storage.Recovered;

/**
 * One simulated server: the real {@link RaftNode} and {@link NodeDriver}, a
 * {@link MemoryRaftStorage} (unsynced writes lost or torn in a crash), and
 * a minimal key-value state machine ("put key value" commands). A crash loses everything but the
 * disk; a restart rebuilds the node from the disk alone.
 */
final class SimNode implements NodeDriver.Environment {

  private final int id;
  private final Simulation sim;
  private final SplittableRandom random;
  /** The node's disk: the same storage contract as production, with its crash model. */
  private MemoryRaftStorage disk = new MemoryRaftStorage();
  private RaftNode raft;
  private NodeDriver driver;
  private boolean up;
  /** Bumped by a crash, so events scheduled by the previous life are ignored. */
  private int incarnation;
  private long diskFreeAt;

  private final Map<String, String> kv = new HashMap<>();
  private long appliedIndex;
  private final Map<Long, History.Op> pendingPuts = new HashMap<>();
  private final Map<Long, History.Op> pendingGets = new HashMap<>();
  private long nextReadContext = 1;

  SimNode(int id, Simulation sim, SplittableRandom random) {
    this.id = id;
    this.sim = sim;
    this.random = random;
  }

  int id() {
    return id;
  }

  boolean isUp() {
    return up;
  }

  RaftNode raft() {
    return raft;
  }

  Map<String, String> state() {
    return kv;
  }

  long appliedIndex() {
    return appliedIndex;
  }

  void start() {
    RaftConfig config = RaftConfig.defaults(id, sim.memberIds(), random.split())
        .withTicks(10, 2)
        .withReplicationLimits(sim.options().maxInflightAppends(),
            sim.options().maxEntriesPerAppend(), 1 << 16).withSabotage(sim.sabotage());
    Recovered recovered = disk.load();
    raft = new RaftNode(config, recovered.hardState(), recovered.entries(), 0);
    driver = new NodeDriver(raft, this);
    kv.clear();
    appliedIndex = 0;
    up = true;
    int life = incarnation;
    sim.trace().add("start", "node " + id + " " + recovered.hardState() + " log="
        + recovered.lastIndex());
    sim.clock().after(random.nextLong(sim.options().tickMs()), () -> tickLoop(life));
  }

  void crash() {
    up = false;
    incarnation++;
    disk = disk.crash(random); // unsynced appends may survive in part, torn at the end
    sim.trace().add("crash", "node " + id + " kept log=" + disk.lastIndex());
    // The client learns nothing: a put's outcome is unknown, a read never happened.
    pendingPuts.values().forEach(sim::giveUp);
    pendingGets.values().forEach(sim::giveUp);
    pendingPuts.clear();
    pendingGets.clear();
  }

  private void tickLoop(int life) {
    if (life != incarnation) return;
    raft.tick();
    afterInput();
    sim.clock().after(sim.options().tickMs(), () -> tickLoop(life));
  }

  void receive(Message m) {
    if (!up) return;
    sim.trace().add("recv", m);
    raft.step(m);
    afterInput();
  }

  private void afterInput() {
    do {
      driver.process(); // a long log comes out in slices; virtual time does not pass between them
    } while (raft.hasCommittedToApply());
    sim.checker().afterEvent(raft);
  }

  // ------------------------------------------------------------------ client requests

  /** Proposes a put; false if this node cannot take it (not up, not leader). */
  boolean submitPut(History.Op op) {
    if (!up) return false;
    long index = raft.propose("put " + op.key + " " + op.value);
    if (index < 0) return false;
    op.index = index;
    op.term = raft.term();
    pendingPuts.put(index, op);
    afterInput();
    return true;
  }

  /** Proposes a command no client waits for; false if this node cannot take it. */
  boolean proposeUntracked(String command) {
    if (!up || raft.propose(command) < 0) return false;
    afterInput();
    return true;
  }

  boolean submitGet(History.Op op) {
    if (!up) return false;
    long context = nextReadContext++;
    if (!raft.readIndex(context)) return false;
    pendingGets.put(context, op);
    afterInput();
    return true;
  }

  /** The client stopped waiting for {@code op}. */
  void forget(History.Op op) {
    pendingPuts.values().remove(op);
    pendingGets.values().remove(op);
  }

  // ------------------------------------------------------------------ NodeDriver.Environment

  @Override
  public void send(Message message) {
    sim.trace().add("send", message);
    sim.network().send(message);
  }

  @Override
  public void persist(HardState hardState, List<Entry> entries, Runnable onDurable) {
    sim.checker().onEntriesWritten(raft, entries);
    // the write reaches the page cache now; the fsync completes after the disk's latency
    if (!entries.isEmpty()) disk.append(entries);
    if (hardState != null) disk.saveHardState(hardState);
    long latency = 1 + random.nextLong(sim.options().diskLatencyMaxMs());
    diskFreeAt = Math.max(diskFreeAt, sim.clock().now()) + latency; // one write at a time
    int life = incarnation;
    sim.clock().at(diskFreeAt, () -> {
      if (life != incarnation) return;
      disk.sync();
      onDurable.run();
      sim.checker().afterEvent(raft);
    });
  }

  @Override
  public void apply(Entry entry) {
    sim.checker().onApply(id, entry);
    if (entry.index() != appliedIndex + 1) {
      throw new SimulationFailure("node " + id + " applies " + entry + " after " + appliedIndex);
    }
    appliedIndex = entry.index();
    if (!entry.isNoop()) {
      String[] parts = entry.command().split(" ", 3);
      kv.put(parts[1], parts[2]);
    }
    History.Op op = pendingPuts.remove(entry.index());
    if (op == null) return;
    if (entry.term() == op.term) {
      sim.complete(op, op.value);
    } else {
      sim.rejected(op); // another entry won this index: ours can never commit
    }
  }

  @Override
  public void readReady(ReadState read) {
    History.Op op = pendingGets.remove(read.context());
    if (op == null) return;
    if (appliedIndex < read.index()) {
      throw new SimulationFailure("read ready at " + read.index() + " but node " + id
          + " applied only " + appliedIndex);
    }
    sim.complete(op, kv.get(op.key));
  }

  @Override
  public void readAborted(long context) {
    History.Op op = pendingGets.remove(context);
    if (op != null) sim.rejected(op);
  }

  @Override
  public void softStateChanged(SoftState previous, SoftState current) {
    sim.trace().add("role", "node " + id + " " + previous.role() + " -> " + current.role()
        + " t=" + current.term() + " lead=" + current.leaderId());
    if (current.role() == Role.LEADER) {
      sim.checker().onLeader(raft);
      sim.onLeaderElected(this);
    }
  }
}
