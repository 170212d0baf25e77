package raftkv.node;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import raftkv.kv.KvResult;
import raftkv.kv.KvStateMachine;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.Message;
import raftkv.raft.RaftConfig;
import raftkv.raft.RaftNode;
import raftkv.raft.Role;
import raftkv.raft.SnapshotMeta;
import raftkv.raft.SoftState;
import raftkv.storage.MemoryRaftStorage;
import raftkv.storage.Recovered;

/**
 * A few replicas whose every step the test takes by hand: messages wait in the network until
 * delivered, disk writes reach the page cache at once and become durable only when the test
 * completes them, and a node may be killed (its page cache survives) or lose power. Built from
 * what production runs: {@link Replica} over a {@link KvStateMachine}, on a {@link
 * MemoryRaftStorage} with its kill and power loss model.
 */
final class ScriptedCluster {

  /** One member: its disk survives its process. */
  final class Member implements Replica.Host {
    final int id;
    MemoryRaftStorage disk;
    Replica<KvResult> replica;
    KvStateMachine kv;
    final ArrayDeque<Runnable> writesInFlight = new ArrayDeque<>();
    Throwable haltCause;

    Member(int id, boolean trustRecovered) {
      this.id = id;
      this.disk = new MemoryRaftStorage(trustRecovered);
    }

    boolean isUp() {
      return replica != null;
    }

    RaftNode raft() {
      return replica.raft();
    }

    void start() {
      Recovered recovered = disk.load();
      RaftConfig config = RaftConfig.builder(id, ids, new SplittableRandom(seed * 31 + id)).build();
      kv = new KvStateMachine();
      replica = new Replica<>(new RaftNode(config, recovered.hardState(), recovered.entries(), 0),
          this, kv::apply);
      replica.process();
    }

    @Override
    public void send(Message message) {
      inFlight.add(message);
    }

    @Override
    public void installSnapshot(SnapshotMeta snapshot) {
      throw new AssertionError("no snapshots here");
    }

    @Override
    public void persist(HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
        Runnable onDurable) {
      if (!entries.isEmpty()) disk.append(entries); // the page cache has them now
      writesInFlight.add(() -> {
        if (hardState != null) disk.saveHardState(hardState);
        if (!entries.isEmpty()) disk.sync();
        onDurable.run();
      });
    }

    @Override
    public void roleChanged(SoftState previous, SoftState current) {}

    @Override
    public void halted(Throwable cause, String during) {
      haltCause = cause;
    }
  }

  private final long seed;
  private final List<Integer> ids;
  private final Map<Integer, Member> members = new TreeMap<>();
  private final List<Message> inFlight = new ArrayList<>();
  private final Set<Integer> cutOff = new HashSet<>();

  ScriptedCluster(int n, long seed, boolean trustRecovered) {
    this.seed = seed;
    this.ids = IntStream.rangeClosed(1, n).boxed().toList();
    for (int id : ids) members.put(id, new Member(id, trustRecovered));
    for (Member m : members.values()) m.start();
  }

  Member node(int id) {
    return members.get(id);
  }

  /** Messages to and from {@code id} are lost from now on (until {@link #reconnect}). */
  void cutOff(int id) {
    cutOff.add(id);
  }

  void reconnect(int id) {
    cutOff.remove(id);
  }

  /** Completes the disk writes {@code id} has under way, in order (fsync done). */
  void completeWrites(int id) {
    Member m = node(id);
    while (m.isUp() && !m.writesInFlight.isEmpty()) {
      m.writesInFlight.poll().run();
      m.replica.process();
    }
  }

  /**
   * Delivers the messages now in flight (and those they cause), completing every up node's disk
   * writes as it goes, until nothing moves. Messages to a node that is down or cut off are lost.
   */
  void settle() {
    for (int round = 0; round < 1_000; round++) {
      for (int id : ids) completeWrites(id);
      if (inFlight.isEmpty()) return;
      List<Message> batch = new ArrayList<>(inFlight);
      inFlight.clear();
      for (Message m : batch) deliver(m);
    }
    throw new AssertionError("the cluster did not settle");
  }

  /** Delivers only the messages now in flight from {@code from} to {@code to}. */
  void deliver(int from, int to) {
    List<Message> batch = inFlight.stream().filter(m -> m.from() == from && m.to() == to).toList();
    inFlight.removeAll(batch);
    batch.forEach(this::deliver);
  }

  private void deliver(Message m) {
    Member to = node(m.to());
    if (cutOff.contains(m.from()) || cutOff.contains(m.to()) || !to.isUp()) return;
    to.replica.receive(List.of(m));
    to.replica.process();
  }

  void tick(int id, int ticks) {
    for (int i = 0; i < ticks; i++) {
      node(id).replica.tick();
      node(id).replica.process();
    }
  }

  /**
   * Ticks only {@code id} (settling after each tick) until it leads: in a fresh cluster, where
   * no one has heard of a leader, the others vote for it.
   */
  void electLeader(int id) {
    for (int round = 0; round < 500; round++) {
      if (node(id).raft().role() == Role.LEADER) {
        settle();
        return;
      }
      tick(id, 1);
      settle();
    }
    throw new AssertionError("node " + id + " did not become leader");
  }

  /** Ticks every up node until one leads (and its no-op commits); returns it. */
  Member awaitAnyLeader() {
    for (int round = 0; round < 500; round++) {
      for (int id : ids) if (node(id).isUp()) tick(id, 1);
      settle();
      for (Member m : members.values()) {
        if (m.isUp() && m.raft().role() == Role.LEADER
            && m.raft().log().termAt(m.raft().commitIndex()) == m.raft().term()) {
          return m;
        }
      }
    }
    throw new AssertionError("no leader within 500 ticks");
  }

  /** SIGKILL: the process and its writes under way are gone; the page cache keeps the data. */
  void kill(int id) {
    Member m = node(id);
    m.replica = null;
    m.writesInFlight.clear();
    m.disk = m.disk.kill();
  }

  /** The machine loses power: nothing written since the last fsync survives. */
  void powerLoss(int id) {
    Member m = node(id);
    m.replica = null;
    m.writesInFlight.clear();
    m.disk = m.disk.powerLossOfEverythingUnsynced();
  }

  void restart(int id) {
    node(id).start();
  }
}
