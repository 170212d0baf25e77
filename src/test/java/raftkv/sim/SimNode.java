package raftkv.sim;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import raftkv.kv.CommandStamper;
import raftkv.kv.EventHistory;
import raftkv.kv.KvCommand;
import raftkv.kv.KvEvent;
import raftkv.kv.KvObserver;
import raftkv.kv.KvResult;
import raftkv.kv.KvSnapshot;
import raftkv.kv.KvStateMachine;
import raftkv.node.LeaseKeeper;
import raftkv.node.Replica;
import raftkv.node.Waiter;
import raftkv.raft.ChangeResult;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.InstallSnapshot;
import raftkv.raft.Membership;
import raftkv.raft.Message;
import raftkv.raft.RaftConfig;
import raftkv.raft.RaftNode;
import raftkv.raft.Role;
import raftkv.raft.Sabotage;
import raftkv.raft.SnapshotMeta;
import raftkv.raft.SoftState;
import raftkv.storage.LogAfterSnapshot;
import raftkv.storage.MemoryRaftStorage;
import raftkv.storage.Recovered;

/**
 * One simulated server, running what a production node runs: the {@link Replica} (the real
 * core, driver and pending-request bookkeeping) over the real {@link KvStateMachine}, writing
 * through a {@link SimDisk} that fsyncs when production does. A kill loses the process but not
 * the page cache; a power loss loses the page cache too. A restart rebuilds the node from the
 * disk alone.
 *
 * <p>Each node snapshots its state machine every 10 to 100 applied entries (drawn per node) and
 * keeps 0 to 20 entries before the snapshot when it compacts, so compaction and InstallSnapshot
 * happen under every fault. Writing a snapshot takes virtual time (a crash meanwhile loses it);
 * a snapshot travels to a follower as its InstallSnapshot message does (delayed, dropped,
 * partitioned), and the sender learns a while later whether it arrived, as a real sender learns
 * from the answer to its last piece.
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
  private final long snapshotEvery;
  private final long compactionMargin;
  private boolean snapshotWriting;
  private long snapshotIndex;
  /** The state read from a snapshot received from the leader, until the core installs it. */
  private KvSnapshot.Loaded prepared;
  private boolean up;
  /** Bumped whenever the process dies, so events scheduled by the previous life are ignored. */
  private int incarnation;
  /** Frozen (a GC pause, SIGSTOP): what arrives meanwhile waits in {@link #held}, by source. */
  private boolean paused;
  private final Map<String, List<Runnable>> held = new LinkedHashMap<>();
  /** A small history, so that watchers meet compaction too. */
  private EventHistory history = new EventHistory(64, 1 << 20, 60_000);
  private LeaseKeeper leases;
  private final KvObserver observer = new KvObserver() {
    @Override
    public void changed(KvEvent event) {
      sim.leasesAndWatches().applied(id, event);
      history.append(event, sim.clock().now());
    }

    @Override
    public void leaseGranted(long lease, long ttlMs, long term) {
      leases.granted(lease, ttlMs, term, sim.clock().now());
    }

    @Override
    public void leaseEnded(long lease, boolean expired) {
      leases.ended(lease);
      if (expired) sim.leasesAndWatches().expiryApplied(lease);
    }
  };

  SimNode(int id, Simulation sim, SplittableRandom random) {
    this.id = id;
    this.sim = sim;
    this.random = random;
    this.disk = new SimDisk(sim.clock(), random.split(), sim.options().diskLatencyMaxMs(),
        sim.sabotage().contains(Sabotage.TRUST_RECOVERED_DATA), this::afterDiskBatch,
        done -> whenRunning("disk", done));
    long skew = sim.options().clockSkewMaxMs();
    this.clockSkewMs = skew == 0 ? 0 : random.nextLong(-skew, skew + 1);
    this.snapshotEvery = 10 + random.nextInt(91);
    this.compactionMargin = random.nextInt(21);
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

  EventHistory history() {
    return history;
  }

  void start() {
    RaftConfig config = RaftConfig.builder(id, sim.bootstrapIds(id), random.split())
        .ticks(10, 2)
        .maxInflightAppends(sim.options().maxInflightAppends())
        .maxEntriesPerAppend(sim.options().maxEntriesPerAppend())
        .maxBytesPerAppend(1 << 16)
        .compactionMargin(compactionMargin)
        .sabotage(sim.sabotage())
        .build();
    Recovered recovered = disk.load();
    MemoryRaftStorage storage = disk.storage();
    SnapshotMeta snapshot = SnapshotMeta.NONE;
    kv = new KvStateMachine();
    if (!storage.snapshots().isEmpty()) {
      MemoryRaftStorage.StoredSnapshot newest = storage.snapshots().get(0);
      kv = read(newest.content()).store();
      snapshot = newest.meta();
    }
    List<Entry> entries;
    try {
      entries = LogAfterSnapshot.reconcile(storage, recovered, snapshot, null);
    } catch (IOException e) {
      throw new SimulationFailure("node " + id + " cannot start: " + e.getMessage());
    }
    snapshotIndex = snapshot.index();
    snapshotWriting = false;
    prepared = null;
    startObserving();
    leases = new LeaseKeeper(sim.electionTimeoutMs(), 1_000);
    replica = new Replica<>(new RaftNode(config, recovered.hardState(), snapshot, entries,
        kv.appliedIndex()), this, this::apply);
    up = true;
    int life = incarnation;
    sim.trace().add("start", "node " + id + " " + recovered.hardState() + " " + snapshot
        + " log=" + storage.firstIndex() + ".." + storage.lastIndex());
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

  /** The state machine starts here (a start, a snapshot installed): so do its watchers' changes. */
  private void startObserving() {
    kv.observe(observer);
    history.restartAt(kv.revision());
    sim.leasesAndWatches().stateStartsAt(id, kv.revision());
  }

  private void tickLoop(int life) {
    if (life != incarnation || paused) return; // a frozen node's timer resumes with it
    replica.tick();
    leases.tick(sim.clock().now(), this::proposeExpiry);
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
    if (m instanceof InstallSnapshot install && !receiveSnapshot(install)) return;
    long commitBefore = replica.raft().commitIndex();
    replica.receive(List.of(m));
    boolean leaderCommitted = replica.raft().role() == Role.LEADER
        && replica.raft().commitIndex() > commitBefore;
    if (leaderCommitted && sim.crashedOnCommit(this)) return; // it dies before acting on it
    afterInput();
    if (m instanceof InstallSnapshot) prepared = null; // installed, or refused: not held
  }

  private void afterInput() {
    do {
      replica.process(); // a long log comes out in slices; virtual time does not pass between
    } while (replica.hasCommittedToApply());
    sim.checker().afterEvent(replica.raft());
    history.publish(sim.clock().now());
    maybeSnapshot();
  }

  /** As production's leader: the expiry of a lease that ran out, proposed as an entry. */
  private boolean proposeExpiry(long lease) {
    if (replica.raft().role() != Role.LEADER || replica.raft().transferTarget() != 0) return false;
    long now = TIME_ORIGIN_MS + sim.clock().now() + clockSkewMs;
    String command = stamper.stamp(new KvCommand.Revoke(lease, true, null), now, 0).encode();
    return replica.propose(command, SimClients.ignoring());
  }

  /**
   * A keep-alive, as production's leader serves it: after a ReadIndex round; {@code answer}
   * hears whether the lease lives on. False when this node cannot take it.
   */
  boolean keepAlive(long lease, java.util.function.Consumer<Boolean> answer) {
    if (!up || paused || replica.raft().role() != Role.LEADER) return false;
    boolean taken = replica.read(new Waiter<>() {
      @Override
      public void succeeded(Void ignored) {
        answer.accept(leases.renew(lease, kv, sim.clock().now()) > 0);
      }

      @Override
      public void failed(raftkv.node.Failure failure, String why) {}
    });
    if (taken) afterInput();
    return taken;
  }

  // ------------------------------------------------------------------ snapshots

  /**
   * As production's snapshotter: a view of the state machine now, written while the node goes
   * on; once durable, the core compacts its log and the disk's log is compacted too.
   */
  private void maybeSnapshot() {
    if (!up || snapshotWriting || kv.appliedIndex() - snapshotIndex < snapshotEvery) return;
    snapshotWriting = true;
    KvSnapshot view = kv.snapshotView();
    long index = kv.appliedIndex();
    int life = incarnation;
    sim.clock().after(1 + random.nextLong(3 * sim.options().diskLatencyMaxMs()),
        () -> whenRunning("snapshot", () -> {
          if (life != incarnation) return; // the process died while writing: no snapshot
          snapshotWriting = false;
          // a snapshot installed from the leader meanwhile is newer than this view: drop it
          if (replica.raft().log().snapshot().index() >= index) return;
          SnapshotMeta recorded = replica.snapshotTaken(index);
          if (recorded == null) return;
          disk.storage().saveSnapshot(recorded, view.toBytes(recorded));
          snapshotIndex = recorded.index();
          disk.storage().compact(Math.max(1, recorded.index() - compactionMargin + 1));
          sim.onSnapshotTaken();
          sim.trace().add("snap", "node " + id + " took the " + recorded + ", log now "
              + replica.raft().log().firstIndex() + ".." + replica.raft().log().lastIndex());
          afterInput();
        }));
  }

  /**
   * Sends a snapshot as its message, after the time its transfer takes (up to 300 ms: pieces
   * paced to a rate), and hears a while later whether it arrived. The answer to the last piece
   * is sometimes lost, so the sender tries again with a snapshot the follower may have by then.
   */
  private void sendSnapshot(InstallSnapshot message) {
    MemoryRaftStorage.StoredSnapshot stored = disk.storage().snapshots().stream()
        .filter(s -> s.meta().equals(message.snapshot())).findFirst().orElse(null);
    long transferMs = random.nextLong(300);
    if (stored != null) {
      sim.snapshotWire().put(message, stored.content());
      sim.clock().after(transferMs, () -> sim.network().send(message));
    }
    int life = incarnation;
    long answerAfter = transferMs + 20 + (long) (4 * sim.options().delayMeanMs())
        + sim.options().delayMinMs();
    boolean answerLost = random.nextInt(10) == 0;
    sim.clock().after(answerAfter, () -> whenRunning("snapshot answers", () -> {
      if (life != incarnation || !up) return;
      boolean arrived = sim.snapshotWire().arrived(message) && !answerLost;
      replica.reportSnapshot(message.to(), arrived);
      afterInput();
    }));
  }

  /**
   * A snapshot arrived: read it (the checksum is checked), keep it durably, then hand the
   * message to the core, which may still refuse it.
   */
  private boolean receiveSnapshot(InstallSnapshot message) {
    byte[] content = sim.snapshotWire().take(message);
    if (content == null) return false;
    KvSnapshot.Loaded loaded = read(content);
    if (!loaded.header().meta().equals(message.snapshot())) {
      throw new SimulationFailure("node " + id + " received " + loaded.header().meta()
          + " for " + message);
    }
    disk.storage().saveSnapshot(message.snapshot(), content);
    prepared = loaded;
    return true;
  }

  @Override
  public void installSnapshot(SnapshotMeta snapshot) {
    if (prepared == null || !prepared.header().meta().equals(snapshot)) {
      throw new SimulationFailure("node " + id + " installs the " + snapshot
          + " but received " + (prepared == null ? "none" : prepared.header().meta()));
    }
    kv = prepared.store();
    prepared = null;
    snapshotIndex = snapshot.index();
    startObserving();
    sim.onSnapshotInstalled();
    sim.trace().add("install", "node " + id + " installed the " + snapshot);
  }

  private static KvSnapshot.Loaded read(byte[] content) {
    try {
      return KvSnapshot.readFrom(new ByteArrayInputStream(content));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  /** Asks this node (the leader, it is hoped) to change the configuration to {@code next}. */
  ChangeResult proposeMembership(Membership next) {
    if (!up || paused) return new ChangeResult(0, ChangeResult.Refusal.NOT_LEADER, "down");
    ChangeResult result = replica.proposeMembership(next, SimClients.ignoring());
    afterInput();
    return result;
  }

  ChangeResult transferLeadership(int target) {
    if (!up || paused) return new ChangeResult(0, ChangeResult.Refusal.NOT_LEADER, "down");
    ChangeResult result = replica.transferLeadership(target);
    afterInput();
    return result;
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
    if (message instanceof InstallSnapshot install) {
      sendSnapshot(install);
    } else {
      sim.network().send(message);
    }
  }

  @Override
  public void persist(HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
      Runnable onDurable) {
    sim.checker().onEntriesWritten(replica.raft(), entries);
    disk.persist(hardState, snapshot, entries, onDurable);
  }

  @Override
  public void roleChanged(SoftState previous, SoftState current) {
    sim.trace().add("role", "node " + id + " " + previous.role() + " -> " + current.role()
        + " t=" + current.term() + " lead=" + current.leaderId());
    if (current.role() == Role.LEADER && previous.role() != Role.LEADER) {
      leases.becameLeader(current.term(), kv, sim.clock().now());
      sim.leasesAndWatches().leaderElected();
    } else if (current.role() != Role.LEADER && previous.role() == Role.LEADER) {
      leases.stoppedLeading();
    }
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
