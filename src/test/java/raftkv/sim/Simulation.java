package raftkv.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import raftkv.raft.Entry;
import raftkv.raft.Role;
import raftkv.raft.Sabotage;

/**
 * One seeded run of a whole cluster in virtual time: a fault phase (loss, duplication, delay,
 * partitions, crashes with torn writes) with clients writing and reading, then a liveness phase
 * (faults healed: a leader must emerge and a new write commit everywhere within a bound), then
 * convergence and the end checks: every acknowledged write is committed, and the clients'
 * history is linearizable.
 *
 * <p>Everything random comes from the seed, split per component (network, disks, faults,
 * clients), so one component drawing more numbers does not shift the others.
 */
final class Simulation {

  /** Catching up a long-lagging follower one small batch per round trip takes a while. */
  static final long CONVERGENCE_BOUND_MS = 20_000;

  /** The outcome of one run. */
  record Result(long seed, SimOptions options, String failure, String trace, int operations,
      int acknowledgedWrites, long livenessMs, long virtualMs, long messages) {

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
  private final Trace trace = new Trace(clock, 400);
  private final SafetyChecker checker = new SafetyChecker(clock);
  private final SimNetwork network;
  private final TreeMap<Integer, SimNode> nodes = new TreeMap<>();
  private final History history = new History();
  private final SplittableRandom faultRandom;
  private final SplittableRandom clientRandom;
  private final History.Op[] outstanding;
  private final int[] leaderGuess;
  private boolean faultPhase = true;
  private boolean clientsActive = true;
  private long writeCounter;
  private int backgroundTarget = 1;
  private java.time.Duration checkTimeout = HistoryChecks.DEFAULT_TIMEOUT;

  Simulation(long seed, SimOptions options, Set<Sabotage> sabotage) {
    this.seed = seed;
    this.options = options;
    int nodeCount = options.nodes();
    this.sabotage = sabotage;
    SplittableRandom root = new SplittableRandom(seed);
    this.network = new SimNetwork(clock, root.split(), options, trace, nodes::get);
    this.faultRandom = root.split();
    this.clientRandom = root.split();
    SplittableRandom nodeRandom = root.split();
    for (int id = 1; id <= nodeCount; id++) nodes.put(id, new SimNode(id, this, nodeRandom.split()));
    this.outstanding = new History.Op[options.clients()];
    this.leaderGuess = new int[options.clients()];
  }

  static Result run(long seed, int nodeCount, Set<Sabotage> sabotage) {
    return new Simulation(seed, SimOptions.swarm(seed, nodeCount), sabotage).run();
  }

  static Result run(long seed, SimOptions options, Set<Sabotage> sabotage) {
    return new Simulation(seed, options, sabotage).run();
  }

  /** A run whose history check gives up sooner (an undecided check is reported as such). */
  static Result run(long seed, int nodeCount, Set<Sabotage> sabotage,
      java.time.Duration checkTimeout) {
    Simulation sim = new Simulation(seed, SimOptions.swarm(seed, nodeCount), sabotage);
    sim.checkTimeout = checkTimeout;
    return sim.run();
  }

  Result run() {
    long livenessMs = -1;
    try {
      nodes.values().forEach(SimNode::start);
      for (int c = 0; c < options.clients(); c++) {
        int client = c;
        clock.after(20 + clientRandom.nextInt(50), () -> nextOperation(client));
      }
      scheduleFault();
      if (options.backgroundWritesPerSecond() > 0) clock.after(10, this::backgroundWrite);
      runUntil(options.faultPhaseMs());
      livenessMs = healAndAwaitProgress();
      clientsActive = false;
      runUntil(clock.now() + options.clientTimeoutMs() + 100); // every operation resolves or times out
      awaitConvergence();
      checkAcknowledgedWritesCommitted();
      checkLinearizable();
      return result(null, livenessMs);
    } catch (SimulationFailure | IllegalStateException | IndexOutOfBoundsException e) {
      String why = e instanceof SimulationFailure ? e.getMessage() : e.toString();
      return result(why, livenessMs);
    }
  }

  private Result result(String failure, long livenessMs) {
    int acked = (int) history.ops().stream()
        .filter(op -> op.kind == History.Kind.PUT && op.acknowledged).count();
    return new Result(seed, options, failure, failure == null ? "" : trace.dump(),
        history.ops().size(), acked, livenessMs, clock.now(), network.delivered);
  }

  private void runUntil(long time) {
    while (clock.runNext(time)) {
      // events do the work; checks run inside them
    }
  }

  // ------------------------------------------------------------------ faults

  private void scheduleFault() {
    double perSecond = options.partitionsPerSecond() + options.crashesPerSecond();
    if (perSecond == 0) return;
    long gap = (long) (-1000 / perSecond * Math.log(1 - faultRandom.nextDouble()));
    clock.after(gap, () -> {
      if (!faultPhase) return;
      if (faultRandom.nextDouble() * perSecond < options.partitionsPerSecond()) {
        partition();
      } else {
        crashOne();
      }
      scheduleFault();
    });
  }

  private void partition() {
    int n = options.nodes();
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
    SimNode victim = nodes.get(1 + faultRandom.nextInt(options.nodes()));
    if (faultRandom.nextDouble() < options.leaderHunting()) {
      victim = nodes.get(currentLeaderOr(victim.id()));
    }
    if (!victim.isUp()) return;
    SimNode crashed = victim;
    crashed.crash();
    clock.after(10 + faultRandom.nextLong(options.restartDelayMaxMs()), () -> {
      if (!crashed.isUp()) crashed.start();
    });
  }

  /**
   * Leader churn: a newly elected leader sometimes crashes within moments, before its no-op
   * reaches anyone, which is what the subtle commit-rule cases (Figure 8) are made of.
   */
  void onLeaderElected(SimNode leader) {
    if (!faultPhase || faultRandom.nextDouble() >= options.leaderChurn()) return;
    clock.after(1 + faultRandom.nextInt(40), () -> {
      if (faultPhase && leader.isUp()) {
        trace.add("fault", "crash new leader " + leader.id());
        leader.crash();
        clock.after(10 + faultRandom.nextLong(options.restartDelayMaxMs()), () -> {
          if (!leader.isUp()) leader.start();
        });
      }
    });
  }

  // ------------------------------------------------------------------ liveness and the end

  /** Heals everything, then demands a leader and a newly proposed write committed. */
  private long healAndAwaitProgress() {
    faultPhase = false;
    network.calm();
    trace.add("phase", "liveness: faults healed");
    nodes.values().stream().filter(n -> !n.isUp()).forEach(SimNode::start);
    long start = clock.now();
    long deadline = start + options.livenessBoundMs();
    History.Op probe = null;
    SimNode proposer = null;
    while (clock.now() < deadline) {
      // a probe whose leader is gone may never commit: propose it again to the new leader
      boolean orphaned = probe != null && !probe.acknowledged && !leads(proposer, probe.term);
      if (probe == null || probe.discarded || orphaned) {
        proposer = currentLeader();
        probe = proposer == null ? null : proposeLivenessProbe(proposer);
      }
      if (probe != null && probe.acknowledged) return clock.now() - start;
      runUntil(clock.now() + 5);
    }
    throw new SimulationFailure("liveness: no write committed within "
        + options.livenessBoundMs() + " ms after the faults healed; " + describeNodes());
  }

  private History.Op proposeLivenessProbe(SimNode leader) {
    History.Op probe = new History.Op(-1, History.Kind.PUT, "liveness", "probe", clock.stamp());
    return leader.submitPut(probe) ? probe : null;
  }

  private SimNode currentLeader() {
    return nodes.values().stream().filter(n -> leads(n, n.isUp() ? n.raft().term() : -1))
        .findFirst().orElse(null);
  }

  private static boolean leads(SimNode node, long term) {
    return node != null && node.isUp() && node.raft().role() == Role.LEADER
        && node.raft().term() == term;
  }

  private void awaitConvergence() {
    long deadline = clock.now() + CONVERGENCE_BOUND_MS;
    while (clock.now() < deadline) {
      long target = checker.committed().size();
      if (nodes.values().stream().allMatch(n -> n.appliedIndex() == target)) {
        var reference = nodes.firstEntry().getValue().state();
        for (SimNode n : nodes.values()) {
          if (!n.state().equals(reference)) {
            throw new SimulationFailure("node " + n.id() + " state " + n.state()
                + " differs from " + reference + " at the same applied index " + target);
          }
        }
        return;
      }
      runUntil(clock.now() + 10);
    }
    throw new SimulationFailure("nodes did not converge within " + CONVERGENCE_BOUND_MS
        + " ms: " + describeNodes());
  }

  private void checkAcknowledgedWritesCommitted() {
    List<Entry> committed = checker.committed();
    for (History.Op op : history.ops()) {
      if (op.kind != History.Kind.PUT || !op.acknowledged) continue;
      Entry expected = new Entry(op.index, op.term, "put " + op.key + " " + op.value);
      if (op.index > committed.size() || !committed.get((int) op.index - 1).equals(expected)) {
        throw new SimulationFailure("acknowledged write lost: " + op + " was " + expected
            + " but the committed log has "
            + (op.index > committed.size() ? "nothing" : committed.get((int) op.index - 1)));
      }
    }
  }

  /**
   * A write whose client gave up (a timeout, its node crashed) has an unknown outcome to the
   * client, but the cluster knows it: if its entry is in the committed log, it took effect by
   * the time that index was seen committed; if another entry holds its index, or no node's log
   * holds it any more (so no leader can ever commit it), it never did. Resolving them keeps the
   * check strict and fast: every unknown outcome multiplies the search.
   */
  private void resolveUnknownWrites() {
    List<Entry> committed = checker.committed();
    for (History.Op op : history.ops()) {
      if (op.kind != History.Kind.PUT || op.returnTime != History.Op.UNKNOWN) continue;
      Entry mine = new Entry(op.index, op.term, "put " + op.key + " " + op.value);
      if (op.index <= committed.size()) {
        if (committed.get((int) op.index - 1).equals(mine)) {
          op.returnTime = Math.max(op.callTime, checker.commitTime(op.index));
        } else {
          op.discarded = true;
        }
      } else if (nodes.values().stream().noneMatch(n -> holds(n, mine))) {
        op.discarded = true;
      }
    }
  }

  private static boolean holds(SimNode node, Entry entry) {
    return node.isUp() && node.raft().log().lastIndex() >= entry.index()
        && node.raft().log().entryAt(entry.index()).equals(entry);
  }

  private void checkLinearizable() {
    resolveUnknownWrites();
    String problem = HistoryChecks.linearizabilityProblem(history.ops(), checkTimeout);
    if (problem != null) throw new SimulationFailure(problem);
  }

  private String describeNodes() {
    List<String> parts = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      parts.add(n.isUp() ? n.raft() + " applied=" + n.appliedIndex() : "node " + n.id() + " down");
    }
    return String.join("; ", parts);
  }

  // ------------------------------------------------------------------ clients

  private void nextOperation(int client) {
    if (!clientsActive) return;
    boolean put = clientRandom.nextBoolean();
    String key = "k" + clientRandom.nextInt(options.keys());
    History.Op op = put
        ? new History.Op(client, History.Kind.PUT, key, "v" + (++writeCounter), clock.stamp())
        : new History.Op(client, History.Kind.GET, key, null, clock.stamp());
    SimNode target = pickTarget(client);
    boolean accepted = put ? target.submitPut(op) : target.submitGet(op);
    if (!accepted) {
      // not the leader (or down): try where it points, as a client library would
      int hint = target.isUp() ? target.raft().leaderId() : 0;
      leaderGuess[client] = hint != 0 ? hint : 1 + clientRandom.nextInt(options.nodes());
      clock.after(1 + clientRandom.nextInt(10), () -> nextOperation(client));
      return;
    }
    history.add(op);
    outstanding[client] = op;
    clock.after(options.clientTimeoutMs(), () -> {
      if (outstanding[client] == op) {
        target.forget(op);
        giveUp(op);
      }
    });
  }

  private SimNode pickTarget(int client) {
    if (leaderGuess[client] == 0 || clientRandom.nextInt(10) == 0) {
      leaderGuess[client] = 1 + clientRandom.nextInt(options.nodes());
    }
    return nodes.get(leaderGuess[client]);
  }

  /**
   * Load outside the checked history: writes to a key no client reads, sent to whichever node
   * the writer believes leads, so a cut-off leader piles up a long uncommitted tail.
   */
  private void backgroundWrite() {
    if (!faultPhase) return; // open-loop load could outrun small batches and starve liveness
    SimNode target = nodes.get(backgroundTarget);
    if (!target.proposeUntracked("put background " + (++writeCounter))) {
      int hint = target.isUp() ? target.raft().leaderId() : 0;
      backgroundTarget = hint != 0 ? hint : 1 + clientRandom.nextInt(options.nodes());
    }
    clock.after(1 + clientRandom.nextInt(2_000 / options.backgroundWritesPerSecond() + 1),
        this::backgroundWrite);
  }

  /** The operation's node answered. */
  void complete(History.Op op, String value) {
    if (!resolve(op)) return;
    op.returnTime = clock.stamp();
    op.value = value;
    op.acknowledged = true;
  }

  /** The operation certainly did not take effect. */
  void rejected(History.Op op) {
    if (resolve(op)) op.discarded = true;
  }

  /** The client stops waiting: a write may or may not have happened; a read did not. */
  void giveUp(History.Op op) {
    if (resolve(op) && op.kind == History.Kind.GET) op.discarded = true;
  }

  /** Ends the client's wait for {@code op}; false if it was not waiting for it any more. */
  private boolean resolve(History.Op op) {
    if (op.client < 0) return true; // the liveness probe has no client loop
    if (outstanding[op.client] != op) return false;
    outstanding[op.client] = null;
    int client = op.client;
    clock.after(clientRandom.nextInt(5), () -> nextOperation(client));
    return true;
  }

  // ------------------------------------------------------------------ for the nodes

  List<Integer> memberIds() {
    return IntStream.rangeClosed(1, options.nodes()).boxed().toList();
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
