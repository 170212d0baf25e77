package raftkv.sim;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import raftkv.raft.Message;

/**
 * A hostile network: it delays (a minimum plus an exponential tail, which also reorders),
 * drops and duplicates messages, and cuts paths in one or both directions. A message in flight
 * when its path is cut is lost.
 */
final class SimNetwork {

  private final EventQueue clock;
  private final SplittableRandom random;
  private final SimOptions options;
  private final Trace trace;
  private final IntFunction<SimNode> nodes;
  private final Set<Long> blockedPaths = new HashSet<>();
  private boolean faulty = true;
  long delivered;

  SimNetwork(EventQueue clock, SplittableRandom random, SimOptions options, Trace trace,
      IntFunction<SimNode> nodes) {
    this.clock = clock;
    this.random = random;
    this.options = options;
    this.trace = trace;
    this.nodes = nodes;
  }

  void send(Message m) {
    if (isBlocked(m.from(), m.to())) return;
    if (faulty && random.nextDouble() < options.dropRate()) {
      trace.add("drop", m);
      return;
    }
    clock.after(delay(), () -> deliver(m));
    if (faulty && random.nextDouble() < options.duplicateRate()) {
      clock.after(delay(), () -> deliver(m));
    }
  }

  private void deliver(Message m) {
    if (isBlocked(m.from(), m.to())) return;
    delivered++;
    nodes.apply(m.to()).receive(m);
  }

  private long delay() {
    double tail = -options.delayMeanMs() * Math.log(1 - random.nextDouble());
    return options.delayMinMs() + Math.min((long) tail, 1_000);
  }

  void blockOneWay(int from, int to) {
    blockedPaths.add(path(from, to));
  }

  /** Cuts every path between {@code side} and the other nodes, both ways. */
  void partition(Set<Integer> side) {
    for (int a = 1; a <= options.pool(); a++) {
      for (int b = 1; b <= options.pool(); b++) {
        if (side.contains(a) != side.contains(b)) blockedPaths.add(path(a, b));
      }
    }
  }

  void heal() {
    blockedPaths.clear();
  }

  /** The liveness phase: no more loss or duplication (delays stay). */
  void calm() {
    faulty = false;
    heal();
  }

  private boolean isBlocked(int from, int to) {
    return !blockedPaths.isEmpty() && blockedPaths.contains(path(from, to));
  }

  private static long path(int from, int to) {
    return ((long) from << 32) | to;
  }
}
