package raftkv.sim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import raftkv.kv.EventHistory;
import raftkv.kv.KvCommand;
import raftkv.kv.KvEvent;
import raftkv.kv.KvResult;
import raftkv.node.Failure;
import raftkv.node.Waiter;

/**
 * Leases and watches under every fault the simulation makes. A lease client grants leases,
 * attaches a key to each, keeps some alive (every third of their time to live, through whichever
 * node it believes leads) and abandons others; watchers follow every change through the nodes'
 * histories, moving to another node, at the revision they need next, when theirs dies.
 *
 * <p>Checked:
 *
 * <ul>
 *   <li>every node applies the changes gap-free in revision order from where its state starts,
 *       and every node's change of a revision is the same change;
 *   <li>a watcher's stream is gap-free, in order, each change once, and the same as the nodes';
 *   <li>no lease expires while its holder kept it alive: an expiry entry is applied no earlier
 *       than {@code ttl} after the sending of any keep-alive (or the grant) answered "ok";
 *   <li>at the end, with the faults healed, every lease let go has expired within the documented
 *       bound: {@code ttl} after its last keep-alive or after the current leader took over
 *       (whichever is later), plus an election timeout, plus {@link #COMMIT_SLACK_MS}.
 * </ul>
 */
final class SimLeasesAndWatches {

  /** Time a leader needs to notice an expiry (a tick) and commit it, once healed. */
  static final long COMMIT_SLACK_MS = 1_000;

  /** What is known of one lease. */
  static final class Lease {
    final long id;
    final long ttlMs;
    final List<Long> okSentAt = new ArrayList<>();
    long lastSentAt;
    boolean kept;
    long expiredAt = -1;

    Lease(long id, long ttlMs, long grantSentAt) {
      this.id = id;
      this.ttlMs = ttlMs;
      okSentAt.add(grantSentAt);
      lastSentAt = grantSentAt;
    }
  }

  /** A watcher of every key, reading a node's history as a stream would. */
  private final class Watcher {
    final int number;
    int node;
    long next = 1;
    int moves;
    int restarts;
    long received;

    Watcher(int number, int node) {
      this.number = number;
      this.node = node;
    }

    void poll() {
      if (random.nextInt(20) == 0) move(); // a reconnect now and then (a balancer, a restart)
      read();
    }

    void read() {
      SimNode on = sim.node(node);
      EventHistory history = on == null || !on.isUp() || on.isPaused() ? null : on.history();
      if (history == null) {
        move();
        return;
      }
      if (next < history.oldest() && next <= history.last()) {
        // 410 from this node: another may still hold it; if none does, start over (as a
        // client re-reads the keys), which the check allows and counts
        if (!moveToOneThatHolds()) {
          restarts++;
          next = history.last() + 1;
        }
        return;
      }
      for (long r = next; r <= history.last(); r++) {
        KvEvent e = history.get(r);
        if (e == null) return; // dropped meanwhile: the next poll sees the 410
        check("watcher " + number + " on node " + node, e);
        if (e.revision() != next) {
          throw new SimulationFailure("watcher " + number + " expected revision " + next
              + " and got " + e);
        }
        next++;
        received++;
      }
    }

    private void move() {
      moves++;
      node = 1 + random.nextInt(sim.options().pool());
    }

    private boolean moveToOneThatHolds() {
      for (int id = 1; id <= sim.options().pool(); id++) {
        SimNode n = sim.node(id);
        if (n != null && n.isUp() && n.history().oldest() <= next && n.history().last() >= next) {
          node = id;
          moves++;
          return true;
        }
      }
      return false;
    }
  }

  private final Simulation sim;
  private final SplittableRandom random;
  private final Map<Long, Lease> leases = new HashMap<>();
  /** The change each revision made, as the first node to apply it saw it. */
  private final Map<Long, String> changes = new HashMap<>();
  private final Map<Integer, Long> nextRevisionOf = new HashMap<>();
  private final List<Watcher> watchers = new ArrayList<>();
  private boolean active = true;
  private int leaderGuess = 1;
  private long lastLeaderElectedAt;
  private long expiries;

  SimLeasesAndWatches(Simulation sim, SplittableRandom random) {
    this.sim = sim;
    this.random = random;
  }

  void start() {
    for (int w = 0; w < 2; w++) watchers.add(new Watcher(w, 1 + w));
    sim.clock().after(50, this::tickWatchers);
    sim.clock().after(100 + random.nextInt(200), this::grantOne);
  }

  void stop() {
    active = false;
  }

  // ------------------------------------------------------------------ what the nodes report

  /** Node {@code node}'s state starts at {@code revision} (a start, or a snapshot installed). */
  void stateStartsAt(int node, long revision) {
    nextRevisionOf.put(node, revision + 1);
  }

  /** Node {@code node} applied {@code event}. */
  void applied(int node, KvEvent event) {
    long expected = nextRevisionOf.getOrDefault(node, 1L);
    if (event.revision() != expected) {
      throw new SimulationFailure("node " + node + " applied " + event + " but its next revision"
          + " was " + expected + ": a watcher of it would miss or repeat a change");
    }
    nextRevisionOf.put(node, expected + 1);
    check("node " + node, event);
  }

  private void check(String who, KvEvent event) {
    String what = event.type() + " " + event.key() + " prev=" + event.prevRevision() + " lease="
        + event.lease() + " value=" + Arrays.hashCode(event.value());
    String first = changes.putIfAbsent(event.revision(), what);
    if (first != null && !first.equals(what)) {
      throw new SimulationFailure(who + " has " + what + " at revision " + event.revision()
          + ", another node had " + first);
    }
  }

  /** Some node applied the expiry of {@code lease}. */
  void expiryApplied(long lease) {
    Lease l = leases.get(lease);
    if (l == null || l.expiredAt >= 0) return;
    l.expiredAt = sim.clock().now();
    expiries++;
    for (long sentAt : l.okSentAt) {
      if (l.expiredAt < sentAt + l.ttlMs) {
        throw new SimulationFailure("lease " + lease + " (ttl " + l.ttlMs + ") expired at "
            + l.expiredAt + ", though a keep-alive sent at " + sentAt + " was answered ok:"
            + " its holder was told it has it until " + (sentAt + l.ttlMs));
      }
    }
  }

  void leaderElected() {
    lastLeaderElectedAt = sim.clock().now();
  }

  // ------------------------------------------------------------------ the lease client

  private void grantOne() {
    if (!active) return;
    sim.clock().after(100 + random.nextInt(200), this::grantOne);
    long ttl = 500 + random.nextInt(1_500);
    long sentAt = sim.clock().now();
    SimNode target = sim.node(leaderGuess);
    if (target == null || target.isPaused() || target.propose(new KvCommand.Grant(ttl, null), 0,
        answer(result -> sim.clock().after(1, () -> granted(result, ttl, sentAt)))) == null) {
      guessAgain(target);
    }
  }

  /**
   * The client hears of its grant: a moment later, as a client does, never from inside the
   * node's apply (where no client runs).
   */
  private void granted(KvResult result, long ttl, long sentAt) {
    if (!result.isOk()) return;
    Lease lease = new Lease(result.lease(), ttl, sentAt);
    lease.kept = random.nextInt(3) > 0;
    leases.put(lease.id, lease);
    SimNode target = sim.node(leaderGuess);
    if (target != null && !target.isPaused()) {
      target.propose(new KvCommand.Put("L" + lease.id,
          ("held by lease " + lease.id).getBytes(StandardCharsets.UTF_8),
          KvCommand.ANY_REVISION, null, lease.id), 0, answer(r -> { }));
    }
    scheduleKeepAlive(lease);
  }

  private void scheduleKeepAlive(Lease lease) {
    sim.clock().after(lease.ttlMs / 3, () -> {
      // kept alive for a while, then let go (as a holder that dies)
      if (!active || !lease.kept || lease.expiredAt >= 0 || random.nextInt(25) == 0) return;
      long sentAt = sim.clock().now();
      lease.lastSentAt = sentAt;
      SimNode target = sim.node(leaderGuess);
      if (target == null || !target.keepAlive(lease.id, alive -> {
        if (alive) lease.okSentAt.add(sentAt);
      })) {
        guessAgain(target);
      }
      scheduleKeepAlive(lease);
    });
  }

  /** As a client told "not the leader": the leader that node names, else any node. */
  private void guessAgain(SimNode refused) {
    int named = refused == null || !refused.isUp() ? 0 : refused.raft().leaderId();
    leaderGuess = named != 0 && named != leaderGuess ? named
        : 1 + random.nextInt(sim.options().pool());
  }

  private Waiter<KvResult> answer(java.util.function.Consumer<KvResult> then) {
    return new Waiter<>() {
      @Override
      public void succeeded(KvResult value) {
        then.accept(value);
      }

      @Override
      public void failed(Failure failure, String why) {
        leaderGuess = 1 + random.nextInt(sim.options().pool());
      }
    };
  }

  // ------------------------------------------------------------------ watchers

  private void tickWatchers() {
    for (Watcher w : watchers) w.poll();
    sim.clock().after(20 + random.nextInt(60), this::tickWatchers);
  }

  /**
   * After convergence: every lease let go long enough ago is gone from every node, and each
   * watcher, once it polls again, is at the final revision.
   */
  void endChecks(SimNode leader, long electionTimeoutMs) {
    long now = sim.clock().now();
    for (Lease l : leases.values()) {
      long bound = Math.max(l.lastSentAt, lastLeaderElectedAt) + l.ttlMs + electionTimeoutMs
          + COMMIT_SLACK_MS;
      if (now > bound && leader.state().hasLease(l.id)) {
        throw new SimulationFailure("lease " + l.id + " (ttl " + l.ttlMs + ", last kept alive at "
            + l.lastSentAt + ", leader since " + lastLeaderElectedAt + ") still exists at " + now
            + ", past its bound " + bound);
      }
    }
    long last = leader.history().last();
    for (Watcher w : watchers) {
      w.node = leader.id();
      for (int i = 0; i < 100 && w.next != last + 1; i++) {
        SimNode on = sim.node(w.node);
        // a node that is down or behind has nothing more for it: back to the leader
        if (on == null || !on.isUp() || on.history().last() < w.next) w.node = leader.id();
        w.read();
      }
      if (w.next != last + 1) {
        StringBuilder histories = new StringBuilder();
        for (int id = 1; id <= sim.options().pool(); id++) {
          SimNode n = sim.node(id);
          histories.append(" node ").append(id).append(n.isUp() ? " up " : " down ")
              .append(n.history().oldest()).append("..").append(n.history().last());
        }
        throw new SimulationFailure("watcher " + w.number + " is at " + w.next
            + " after the run, the store at " + last + ";" + histories);
      }
    }
  }

  /** What a run did, for its report. */
  record Counts(long leases, long expiries, long keepAlivesOk, long watchedChanges,
      long watcherMoves, long watcherRestarts) {
    Counts plus(Counts o) {
      return new Counts(leases + o.leases, expiries + o.expiries, keepAlivesOk + o.keepAlivesOk,
          watchedChanges + o.watchedChanges, watcherMoves + o.watcherMoves,
          watcherRestarts + o.watcherRestarts);
    }

    @Override
    public String toString() {
      return leases + " leases granted (" + expiries + " expired, " + keepAlivesOk
          + " keep-alives answered ok); watchers got " + watchedChanges + " changes, moved to"
          + " another node " + watcherMoves + " times, started over after a 410 "
          + watcherRestarts + " times";
    }
  }

  Counts counts() {
    return new Counts(leases.size(), expiries,
        leases.values().stream().mapToLong(l -> l.okSentAt.size() - 1).sum(),
        watchers.stream().mapToLong(w -> w.received).sum(),
        watchers.stream().mapToInt(w -> w.moves).sum(),
        watchers.stream().mapToInt(w -> w.restarts).sum());
  }

  /** How long to run on after the clients stop, so that every lease let go can expire. */
  long settleMs(long electionTimeoutMs) {
    return 2_000 + electionTimeoutMs + COMMIT_SLACK_MS;
  }
}
