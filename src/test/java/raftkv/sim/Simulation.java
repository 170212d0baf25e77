package raftkv.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import raftkv.raft.ChangeResult;
import raftkv.raft.Entry;
import raftkv.raft.Membership;
import raftkv.raft.Role;
import raftkv.raft.Sabotage;

/**
 * One seeded run of a whole cluster in virtual time: a fault phase (loss, duplication, delay,
 * partitions, kills and power losses) with clients writing and reading, then a liveness phase
 * (faults healed: a leader must emerge and a new write commit everywhere within a bound), then
 * convergence and the end checks: every acknowledged write is committed, no request id changed
 * the store twice, and the clients' history is linearizable.
 *
 * <p>Everything random comes from the seed, split per component (network, disks, faults,
 * clients), so one component drawing more numbers does not shift the others.
 */
final class Simulation {

  private final SnapshotWire snapshotWire = new SnapshotWire();
  private long snapshotsTaken;
  private long snapshotsInstalled;

  /** Catching up a long-lagging follower one small batch per round trip takes a while. */
  static final long CONVERGENCE_BOUND_MS = 20_000;

  /** The outcome of one run. */
  record Result(long seed, SimOptions options, String failure, String trace, int operations,
      int acknowledgedWrites, long livenessMs, long virtualMs, long messages,
      long snapshotsTaken, long snapshotsInstalled, long membershipChanges,
      SimLeasesAndWatches.Counts leasesAndWatches) {

    boolean passed() {
      return failure == null;
    }

    String report() {
      return "seed " + seed + " (" + options + ")\n" + failure + "\n--- last events ---\n" + trace
          + "--- replay with -Dsim.seed=" + seed + " -Dsim.nodes=" + options.nodes() + " ---";
    }
  }

  private final long seed;
  private final SimOptions options;
  private final Set<Sabotage> sabotage;
  private final EventQueue clock = new EventQueue();
  /** The last events, printed with a failure; {@code -Dsim.trace=N} keeps more. */
  private final Trace trace = new Trace(clock, Integer.getInteger("sim.trace", 400));
  private final SafetyChecker checker = new SafetyChecker(clock);
  private final SimNetwork network;
  private final TreeMap<Integer, SimNode> nodes = new TreeMap<>();
  private final SplittableRandom faultRandom;
  private final SplittableRandom membershipRandom;
  private long membershipChanges;
  private final SimClients clients;
  private final SimLeasesAndWatches leasesAndWatches;
  private boolean faultPhase = true;
  /** Terms in which a leader was already crashed for taking a write (once per term). */
  private final Set<Long> proposalCrashTerms = new HashSet<>();
  private java.time.Duration checkTimeout = HistoryChecks.DEFAULT_TIMEOUT;

  Simulation(long seed, SimOptions options, Set<Sabotage> sabotage) {
    this.seed = seed;
    this.options = options;
    this.sabotage = sabotage;
    SplittableRandom root = new SplittableRandom(seed);
    this.network = new SimNetwork(clock, root.split(), options, trace, nodes::get);
    this.faultRandom = root.split();
    SplittableRandom clientRandom = root.split();
    SplittableRandom nodeRandom = root.split();
    for (int id = 1; id <= options.pool(); id++) {
      nodes.put(id, new SimNode(id, this, nodeRandom.split()));
    }
    this.clients = new SimClients(this, clientRandom);
    this.membershipRandom = root.split();
    this.leasesAndWatches = new SimLeasesAndWatches(this, root.split());
  }

  static Result run(long seed, int nodeCount, Set<Sabotage> sabotage) {
    return new Simulation(seed, SimOptions.swarm(seed, nodeCount), sabotage).run();
  }

  static Result run(long seed, SimOptions options, Set<Sabotage> sabotage) {
    return new Simulation(seed, options, sabotage).run();
  }

  /**
   * A run whose history check gives up sooner (an undecided check is reported as such), and
   * which may leave out the direct check of durable promises ({@link
   * SafetyChecker#onPromise}), to see whether a broken node's harm shows end to end.
   */
  static Result run(long seed, int nodeCount, Set<Sabotage> sabotage,
      java.time.Duration checkTimeout, boolean checkPromises) {
    Simulation sim = new Simulation(seed, SimOptions.swarm(seed, nodeCount), sabotage);
    sim.checkTimeout = checkTimeout;
    sim.checker.checkPromises(checkPromises);
    return sim.run();
  }

  Result run() {
    long livenessMs = -1;
    try {
      nodes.values().forEach(SimNode::start);
      clients.start();
      leasesAndWatches.start();
      scheduleFault();
      scheduleMembershipChange();
      runUntil(options.faultPhaseMs());
      livenessMs = healAndAwaitProgress();
      clients.stop();
      leasesAndWatches.stop();
      // every operation resolves or times out, and every lease let go has time to expire
      runUntil(clock.now() + Math.max(options.clientTimeoutMs() + 100,
          leasesAndWatches.settleMs(electionTimeoutMs())));
      awaitConvergence();
      leasesAndWatches.endChecks(currentLeader(), electionTimeoutMs());
      EndChecks end = new EndChecks(checker, clients.history());
      end.acknowledgedWritesAreCommitted();
      end.noWriteTookEffectTwice();
      String problem = end.linearizabilityProblem(checkTimeout);
      if (problem != null) throw new SimulationFailure(problem);
      return result(null, livenessMs);
    } catch (SimulationFailure | IllegalStateException | IndexOutOfBoundsException e) {
      String why = e instanceof SimulationFailure ? e.getMessage() : e.toString();
      return result(why, livenessMs);
    }
  }

  private Result result(String failure, long livenessMs) {
    int acked = (int) clients.history().ops().stream()
        .filter(op -> op.isWrite() && op.acknowledged).count();
    return new Result(seed, options, failure, failure == null ? "" : trace.dump(),
        clients.history().ops().size(), acked, livenessMs, clock.now(), network.delivered,
        snapshotsTaken, snapshotsInstalled, membershipChanges, leasesAndWatches.counts());
  }

  private void runUntil(long time) {
    while (clock.runNext(time)) {
      // events do the work; checks run inside them
    }
  }

  // ------------------------------------------------------------------ faults

  private void scheduleFault() {
    double perSecond =
        options.partitionsPerSecond() + options.crashesPerSecond() + options.pausesPerSecond();
    if (perSecond == 0) return;
    long gap = (long) (-1000 / perSecond * Math.log(1 - faultRandom.nextDouble()));
    clock.after(gap, () -> {
      if (!faultPhase) return;
      double which = faultRandom.nextDouble() * perSecond;
      if (which < options.partitionsPerSecond()) {
        partition();
      } else if (which < options.partitionsPerSecond() + options.pausesPerSecond()) {
        pauseOne();
      } else {
        crashOne();
      }
      scheduleFault();
    });
  }

  /**
   * Freezes a node (often the leader) for a long spell, as a GC pause or SIGSTOP does: the
   * others elect a new leader meanwhile, and the frozen one wakes believing it still leads.
   */
  private void pauseOne() {
    SimNode victim = nodes.get(1 + faultRandom.nextInt(options.pool()));
    if (faultRandom.nextDouble() < options.leaderHunting()) {
      victim = nodes.get(currentLeaderOr(victim.id()));
    }
    trace.add("fault", "pause node " + victim.id());
    victim.pause(200 + faultRandom.nextInt(5_000));
  }

  private void partition() {
    int n = options.pool();
    switch (faultRandom.nextInt(3)) {
      case 0 -> {
        int isolated = faultRandom.nextDouble() < options.leaderHunting()
            ? currentLeaderOr(1 + faultRandom.nextInt(n))
            : 1 + faultRandom.nextInt(n);
        trace.add("fault", "isolate node " + isolated);
        network.partition(Set.of(isolated));
      }
      case 1 -> {
        Set<Integer> side = new HashSet<>();
        for (int id = 1; id <= n; id++) if (faultRandom.nextBoolean()) side.add(id);
        trace.add("fault", "partition " + side + " from the rest");
        network.partition(side);
      }
      default -> {
        int from = 1 + faultRandom.nextInt(n);
        int to = 1 + faultRandom.nextInt(n);
        trace.add("fault", "cut path " + from + "->" + to + " one way");
        network.blockOneWay(from, to);
      }
    }
    clock.after(50 + faultRandom.nextInt(2_000), () -> {
      trace.add("heal", "network");
      network.heal();
    });
  }

  private int currentLeaderOr(int fallback) {
    SimNode leader = currentLeader();
    return leader == null ? fallback : leader.id();
  }

  /** Crashes a node: often the leader, as a nemesis that hunts leaders would. */
  private void crashOne() {
    SimNode victim = nodes.get(1 + faultRandom.nextInt(options.pool()));
    if (faultRandom.nextDouble() < options.leaderHunting()) {
      victim = nodes.get(currentLeaderOr(victim.id()));
    }
    if (!victim.isUp()) {
      trace.add("fault", "power loss of node " + victim.id() + ", which is down");
      victim.powerLoss();
      return;
    }
    crash(victim);
  }

  /**
   * Kills the node's process or cuts its power, and starts it again later. A killed node may
   * lose power soon after its restart, before it has written anything new: whatever it read
   * back from the page cache and then promised must be on its disk by then.
   */
  private void crash(SimNode victim) {
    boolean kill = faultRandom.nextDouble() < options.killFraction();
    trace.add("fault", (kill ? "kill" : "power loss of") + " node " + victim.id());
    if (kill) {
      victim.kill();
    } else {
      victim.powerLoss();
    }
    clock.after(10 + faultRandom.nextLong(options.restartDelayMaxMs()), () -> {
      if (victim.isUp()) return;
      victim.start();
      if (kill && faultPhase && faultRandom.nextDouble() < options.powerLossAfterRestart()) {
        clock.after(1 + faultRandom.nextInt(100), () -> {
          if (!faultPhase || !victim.isUp()) return;
          trace.add("fault", "power loss of node " + victim.id() + " soon after its restart");
          victim.powerLoss();
          clock.after(10 + faultRandom.nextLong(options.restartDelayMaxMs()), () -> {
            if (!victim.isUp()) victim.start();
          });
        });
      }
    });
  }

  /**
   * Leader churn: a newly elected leader sometimes crashes within moments, before its no-op
   * reaches anyone, which is what the subtle commit-rule cases (Figure 8) are made of.
   */
  void onLeaderElected(SimNode leader) {
    operatorGreets(leader);
    if (!faultPhase || faultRandom.nextDouble() >= options.leaderChurn()) return;
    clock.after(1 + faultRandom.nextLong(options.leaderChurnDelayMaxMs()), () -> {
      if (faultPhase && leader.isUp()) {
        trace.add("fault", "crash new leader " + leader.id());
        crash(leader);
      }
    });
  }

  /**
   * In a churn storm, a leader that has just taken a write sometimes dies before it can
   * replicate it, leaving an entry of its term that the next leaders do not have.
   */
  void onProposed(SimNode leader) {
    long term = leader.raft().term();
    if (!faultPhase || !options.churnStorm() || proposalCrashTerms.contains(term)
        || faultRandom.nextDouble() >= options.leaderChurn()) {
      return;
    }
    proposalCrashTerms.add(term);
    clock.after(faultRandom.nextLong(options.leaderChurnDelayMaxMs() / 3 + 1), () -> {
      if (faultPhase && leads(leader, term)) {
        trace.add("fault", "crash leader " + leader.id() + " right after it took a write");
        crash(leader);
      }
    });
  }

  /**
   * A crash point: a leader that has just learned an index is committed dies before it tells
   * anyone (before the Ready it would have produced), so the commit is known only to the dead.
   *
   * @return whether {@code leader} was crashed
   */
  boolean crashedOnCommit(SimNode leader) {
    if (!faultPhase || faultRandom.nextDouble() >= options.crashOnCommit()) return false;
    trace.add("fault", "crash leader " + leader.id() + " as it learns of a commit");
    crash(leader);
    return true;
  }

  // ------------------------------------------------------------------ membership

  /**
   * An operator at work: asks whoever leads to add a server as a learner, promote a learner,
   * remove a member or hand leadership to a voter, chosen at random among what the leader's
   * configuration allows (refusals are part of the test: one change at a time, learners that lag).
   */
  private void scheduleMembershipChange() {
    double perSecond = options.membershipChangesPerSecond();
    if (perSecond == 0) return;
    long gap = (long) (-1000 / perSecond * Math.log(1 - membershipRandom.nextDouble()));
    clock.after(gap, () -> {
      if (!faultPhase) return;
      SimNode leader = currentLeader();
      if (leader != null) changeMembership(leader);
      scheduleMembershipChange();
    });
  }

  /**
   * An operator retrying a change sends it to a new leader the moment it is elected, before the
   * leader has committed anything of its own term: the case the correction to single-server
   * changes is about.
   */
  private void operatorGreets(SimNode leader) {
    if (!faultPhase || options.membershipChangesPerSecond() == 0
        || membershipRandom.nextBoolean()) {
      return;
    }
    long term = leader.raft().term();
    clock.after(membershipRandom.nextInt(3), () -> {
      if (faultPhase && leads(leader, term)) changeMembership(leader);
    });
  }

  private void changeMembership(SimNode leader) {
    changeMembership(leader, true);
  }

  /**
   * One change; an impatient operator sometimes sends a second one right after the first was
   * taken (the leader must refuse it until the first commits).
   */
  private void changeMembership(SimNode leader, boolean mayRepeat) {
    Membership current = leader.raft().membership();
    List<Integer> outside = new ArrayList<>();
    for (int id : nodes.keySet()) if (!current.contains(id)) outside.add(id);
    List<Integer> learners = new ArrayList<>(current.learners());
    List<Integer> others = new ArrayList<>(current.voters());
    others.remove(Integer.valueOf(leader.id()));
    String what;
    Membership next;
    int pick = membershipRandom.nextInt(4);
    if (pick == 0 && !outside.isEmpty()) {
      int id = outside.get(membershipRandom.nextInt(outside.size()));
      what = "add learner " + id;
      next = current.with(new Membership.Member(id, false, ""));
    } else if (pick == 1 && !learners.isEmpty()) {
      int id = learners.get(membershipRandom.nextInt(learners.size()));
      what = "promote " + id;
      next = current.with(new Membership.Member(id, true, ""));
    } else if (pick == 2 && current.ids().size() > 1) {
      List<Integer> all = new ArrayList<>(current.ids());
      int id = all.get(membershipRandom.nextInt(all.size()));
      what = "remove " + id;
      next = current.without(id);
    } else if (pick == 3 && !others.isEmpty()) {
      int id = others.get(membershipRandom.nextInt(others.size()));
      ChangeResult r = leader.transferLeadership(id);
      trace.add("member", "leader " + leader.id() + ": transfer to " + id + " -> "
          + (r.accepted() ? "started" : r.refusal() + " " + r.reason()));
      return;
    } else {
      return;
    }
    ChangeResult r = leader.proposeMembership(next);
    if (r.accepted()) membershipChanges++;
    trace.add("member", "leader " + leader.id() + ": " + what + " -> "
        + (r.accepted() ? "proposed at " + r.index() : r.refusal() + " " + r.reason()));
    if (r.accepted() && mayRepeat && membershipRandom.nextBoolean()
        && leads(leader, leader.raft().term())) {
      changeMembership(leader, false);
    }
    if (r.accepted() && membershipRandom.nextInt(3) == 0) cutOffSoon(leader);
  }

  /**
   * The leader that just took a change is cut off or dies moments later, before the change
   * reaches a majority: the uncommitted change lives on in a minority, where the rules for the
   * next leader's changes (one at a time, none before its own term commits) are what keep the
   * majorities overlapping.
   */
  private void cutOffSoon(SimNode leader) {
    clock.after(membershipRandom.nextInt(6), () -> {
      if (!faultPhase || !leader.isUp()) return;
      if (membershipRandom.nextBoolean()) {
        trace.add("fault", "crash leader " + leader.id() + " right after a change");
        crash(leader);
      } else {
        trace.add("fault", "isolate leader " + leader.id() + " right after a change");
        network.partition(Set.of(leader.id()));
        clock.after(100 + membershipRandom.nextInt(1_500), () -> {
          trace.add("heal", "network");
          network.heal();
        });
      }
    });
  }

  /** The servers that bootstrap the cluster; the others join when added. */
  List<Integer> bootstrapIds(int id) {
    return id <= options.nodes() ? memberIds() : List.of();
  }

  // ------------------------------------------------------------------ liveness and the end

  /** Heals everything, then demands a leader and a newly proposed write committed. */
  private long healAndAwaitProgress() {
    faultPhase = false;
    network.calm();
    trace.add("phase", "liveness: faults healed");
    nodes.values().forEach(SimNode::resume);
    nodes.values().stream().filter(n -> !n.isUp()).forEach(SimNode::start);
    long start = clock.now();
    long deadline = start + options.livenessBoundMs();
    while (clock.now() < deadline) {
      if (clients.livenessProbeCommitted(this::currentLeader)) return clock.now() - start;
      runUntil(clock.now() + 5);
    }
    throw new SimulationFailure("liveness: no write committed within "
        + options.livenessBoundMs() + " ms after the faults healed; " + describeNodes());
  }

  SimNode currentLeader() {
    return nodes.values().stream().filter(n -> leads(n, n.isUp() ? n.raft().term() : -1))
        .findFirst().orElse(null);
  }

  static boolean leads(SimNode node, long term) {
    return node != null && node.isUp() && node.raft().role() == Role.LEADER
        && node.raft().term() == term;
  }

  /**
   * Waits until the leader has committed its whole log and every node has applied it: then an
   * entry that is not in the committed log can never be (the end checks rely on it).
   */
  private void awaitConvergence() {
    long deadline = clock.now() + CONVERGENCE_BOUND_MS;
    while (clock.now() < deadline) {
      long target = checker.committed().size();
      SimNode leader = currentLeader();
      boolean leaderDone = leader != null && leader.raft().log().lastIndex() == target;
      // the members of the final configuration; servers removed or never added stay behind
      List<SimNode> members = leader == null ? List.of() : nodes.values().stream()
          .filter(n -> leader.raft().membership().contains(n.id())).toList();
      if (leaderDone && members.stream().allMatch(n -> n.state().appliedIndex() == target)) {
        String reference = leader.state().digest();
        for (SimNode n : members) {
          if (!n.state().digest().equals(reference)) {
            StringBuilder all = new StringBuilder();
            for (SimNode m : nodes.values()) {
              all.append("\n  node ").append(m.id()).append(": ").append(m.state())
                  .append(" digest ").append(m.state().digest(), 0, 12);
            }
            raftkv.kv.KvStateMachine replay = new raftkv.kv.KvStateMachine();
            for (raftkv.raft.Entry e : checker.committed()) replay.apply(e);
            all.append("\n  replay of the committed log: ").append(replay).append(" digest ")
                .append(replay.digest(), 0, 12);
            throw new SimulationFailure("node " + n.id() + " state " + n.state()
                + " differs from leader " + leader.id() + "'s at the same applied index "
                + target + ":" + all);
          }
        }
        return;
      }
      runUntil(clock.now() + 10);
    }
    throw new SimulationFailure("nodes did not converge within " + CONVERGENCE_BOUND_MS
        + " ms: " + describeNodes());
  }

  private String describeNodes() {
    List<String> parts = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      parts.add(n.isUp() ? n.raft() + " applied=" + n.state().appliedIndex() + " "
          + n.raft().membership() + "@" + n.raft().membershipIndex()
          : "node " + n.id() + " down");
    }
    return String.join("; ", parts);
  }

  // ------------------------------------------------------------------ for the nodes and clients

  List<Integer> memberIds() {
    return IntStream.rangeClosed(1, options.nodes()).boxed().toList();
  }

  void onSnapshotTaken() {
    snapshotsTaken++;
  }

  void onSnapshotInstalled() {
    snapshotsInstalled++;
  }

  SnapshotWire snapshotWire() {
    return snapshotWire;
  }

  SimNode node(int id) {
    return nodes.get(id);
  }

  boolean faultPhase() {
    return faultPhase;
  }

  Set<Sabotage> sabotage() {
    return sabotage;
  }

  SimOptions options() {
    return options;
  }

  EventQueue clock() {
    return clock;
  }

  /** The base election timeout of the simulated nodes (10 ticks). */
  long electionTimeoutMs() {
    return 10 * options.tickMs();
  }

  SimLeasesAndWatches leasesAndWatches() {
    return leasesAndWatches;
  }

  Trace trace() {
    return trace;
  }

  SafetyChecker checker() {
    return checker;
  }

  SimNetwork network() {
    return network;
  }
}
