package raftkv.sim;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import raftkv.kv.KeyValue;
import raftkv.kv.KvCommand;
import raftkv.kv.KvResult;
import raftkv.node.Failure;
import raftkv.node.Waiter;
import raftkv.sim.History.Kind;
import raftkv.sim.History.Op;

/**
 * The simulated clients, each with one operation at a time: puts, deletes, compare-and-sets
 * (against the revision the client last read) and linearizable reads, sent to whichever node the
 * client believes leads. A write may carry a request id; when its outcome is unknown (the node
 * lost leadership, or died), the client retries it with the same id, as the gateway does, and
 * the store must apply it at most once. Now and then a client reuses its last id for a new put
 * (always a different request: every put writes a value of its own): the store must refuse it
 * (422) or, if it has forgotten the id, apply it.
 *
 * <p>Also the load outside the checked history (background writes) and the liveness probe.
 */
final class SimClients {

  /** What a client last read of a key: a compare-and-set's condition. */
  private record Known(String value, long revision) {}

  private final Simulation sim;
  private final SplittableRandom random;
  private final SimOptions options;
  private final History history = new History();
  private final Op[] outstanding;
  private final int[] leaderGuess;
  private final String[] lastRequestId;
  private final Map<Integer, Map<String, Known>> lastRead = new HashMap<>();
  private boolean active = true;
  private long writeCounter;
  private long requestIds;
  private int backgroundTarget = 1;
  private Op probe;
  private SimNode prober;
  private long probeTerm;

  SimClients(Simulation sim, SplittableRandom random) {
    this.sim = sim;
    this.random = random;
    this.options = sim.options();
    this.outstanding = new Op[options.clients()];
    this.leaderGuess = new int[options.clients()];
    this.lastRequestId = new String[options.clients()];
  }

  History history() {
    return history;
  }

  void start() {
    for (int c = 0; c < options.clients(); c++) {
      int client = c;
      sim.clock().after(20 + random.nextInt(50), () -> nextOperation(client));
    }
    if (options.backgroundWritesPerSecond() > 0) sim.clock().after(10, this::backgroundWrite);
  }

  /** No new operations; those under way still finish or time out. */
  void stop() {
    active = false;
  }

  // ------------------------------------------------------------------ one operation

  private void nextOperation(int client) {
    if (!active) return;
    Op op = newOperation(client);
    history.add(op);
    outstanding[client] = op;
    sim.clock().after(options.clientTimeoutMs(), () -> {
      if (outstanding[client] == op) giveUp(op);
    });
    attempt(op);
  }

  private Op newOperation(int client) {
    String key = "k" + random.nextInt(options.keys());
    long now = sim.clock().stamp();
    double read = options.readFraction();
    double draw = random.nextDouble();
    if (draw < read) return new Op(client, Kind.GET, key, null, null, 0, null, now);
    double kind = (draw - read) / (1 - read); // among writes: 1/6 deletes, 7/12 puts, 1/4 CAS
    if (kind < 1.0 / 6) {
      return new Op(client, Kind.DELETE, key, null, null, -1, freshId(client), now);
    }
    // every put writes a value of its own, so an id reused for one is a different request
    String id = random.nextInt(30) == 0 && lastRequestId[client] != null
        ? lastRequestId[client]
        : freshId(client);
    String value = "v" + (++writeCounter);
    if (kind < 0.75) return new Op(client, Kind.PUT, key, value, null, -1, id, now);
    Known known = lastRead.computeIfAbsent(client, c -> new HashMap<>()).get(key);
    return known == null
        ? new Op(client, Kind.CAS, key, value, null, KvCommand.IF_ABSENT, id, now)
        : new Op(client, Kind.CAS, key, value, known.value(), known.revision(), id, now);
  }

  /** A new request id, or none. */
  private String freshId(int client) {
    if (random.nextDouble() >= options.requestIdFraction()) return null;
    lastRequestId[client] = "c" + client + "-" + (++requestIds);
    return lastRequestId[client];
  }

  private void attempt(Op op) {
    if (outstanding[op.client] != op) return;
    SimNode target = pickTarget(op.client);
    // a frozen node takes the request when it wakes, as its socket would hold it
    target.whenRunning("client " + op.client, () -> attemptOn(op, target));
  }

  private void attemptOn(Op op, SimNode target) {
    if (outstanding[op.client] != op) return;
    boolean accepted = op.isWrite() ? propose(target, op) : read(target, op);
    if (!accepted) {
      // not the leader (or down): try where it points, as a client library would
      int hint = target.isUp() ? target.raft().leaderId() : 0;
      leaderGuess[op.client] = hint != 0 ? hint : 1 + random.nextInt(options.pool());
      retrySoon(op);
    }
  }

  private void retrySoon(Op op) {
    sim.clock().after(1 + random.nextInt(10), () -> attempt(op));
  }

  private SimNode pickTarget(int client) {
    if (leaderGuess[client] == 0 || random.nextDouble() < options.clientWandering()) {
      leaderGuess[client] = 1 + random.nextInt(options.pool());
    }
    return sim.node(leaderGuess[client]);
  }

  private boolean propose(SimNode target, Op op) {
    History.Attempt[] self = new History.Attempt[1];
    History.Attempt attempt = target.propose(command(op), options.keepIdMs(), new Waiter<>() {
      @Override
      public void succeeded(KvResult result) {
        writeAnswered(op, self[0], result);
      }

      @Override
      public void failed(Failure failure, String why) {
        writeFailed(op, failure);
      }
    });
    if (attempt == null) return false;
    self[0] = attempt;
    op.attempts.add(attempt);
    op.pendingAttempts++;
    return true;
  }

  private static KvCommand command(Op op) {
    return switch (op.kind) {
      case PUT -> new KvCommand.Put(op.key, bytes(op.value), KvCommand.ANY_REVISION, op.requestId);
      case DELETE -> new KvCommand.Delete(op.key, KvCommand.ANY_REVISION, op.requestId);
      case CAS -> new KvCommand.Put(op.key, bytes(op.value), op.prevRevision, op.requestId);
      case GET -> throw new IllegalArgumentException("a read has no command");
    };
  }

  private void writeAnswered(Op op, History.Attempt attempt, KvResult result) {
    op.pendingAttempts--;
    if (outstanding[op.client] != op) return; // the client stopped waiting: resolved at the end
    switch (result.status()) {
      case OK -> acknowledge(op, attempt, true);
      case COMPARE_FAILED -> {
        if (op.kind != Kind.CAS) throw new SimulationFailure(op + " answered " + result);
        acknowledge(op, attempt, false);
      }
      case REQUEST_ID_REUSED -> {
        // the id stands for another request: this attempt did nothing, though another one
        // still in flight may yet be carried out once the id is forgotten
        op.refused = true;
        giveUp(op);
      }
      default -> throw new SimulationFailure(op + " answered " + result);
    }
  }

  private void acknowledge(Op op, History.Attempt attempt, boolean swapped) {
    op.acknowledged = true;
    op.acknowledgedBy = attempt;
    op.swapped = swapped;
    op.returnTime = sim.clock().stamp();
    resolve(op);
  }

  private void writeFailed(Op op, Failure failure) {
    op.pendingAttempts--;
    if (outstanding[op.client] != op) return;
    if (failure == Failure.OUTCOME_UNKNOWN) {
      op.mayHaveApplied = true;
      // without an id a retry could apply the write twice: its outcome stays unknown
      if (op.requestId == null) {
        giveUp(op);
        return;
      }
    }
    retrySoon(op); // NOT_APPLIED (another entry took its place) and the rest wrote nothing
  }

  private boolean read(SimNode target, Op op) {
    return target.read(new Waiter<>() {
      @Override
      public void succeeded(Void ignored) {
        if (outstanding[op.client] != op) return;
        KeyValue current = target.state().get(op.key).orElse(null);
        op.value = current == null ? null : new String(current.value(), StandardCharsets.UTF_8);
        lastRead.computeIfAbsent(op.client, c -> new HashMap<>()).put(op.key,
            new Known(op.value, current == null ? 0 : current.modRevision()));
        op.returnTime = sim.clock().stamp();
        resolve(op);
      }

      @Override
      public void failed(Failure failure, String why) {
        if (outstanding[op.client] == op) retrySoon(op);
      }
    });
  }

  /** The client stops waiting: a write may or may not have happened; a read did not. */
  private void giveUp(Op op) {
    boolean mayHaveHappened = op.isWrite() && (op.mayHaveApplied || op.pendingAttempts > 0);
    if (!mayHaveHappened) op.discarded = true;
    resolve(op);
  }

  /** Ends the client's wait for {@code op}; its next operation follows shortly. */
  private void resolve(Op op) {
    outstanding[op.client] = null;
    int client = op.client;
    sim.clock().after(random.nextInt(5), () -> nextOperation(client));
  }

  // ------------------------------------------------------------------ load and liveness

  /**
   * Load outside the checked history: writes to a key no client reads, sent to whichever node
   * the writer believes leads, so a cut-off leader piles up a long uncommitted tail.
   */
  private void backgroundWrite() {
    if (!sim.faultPhase()) return; // open-loop load could outrun small batches, starve liveness
    SimNode target = sim.node(backgroundTarget);
    KvCommand command = new KvCommand.Put("background", bytes("b" + (++writeCounter)));
    if (target.propose(command, 0, ignoring()) == null) {
      int hint = target.isUp() ? target.raft().leaderId() : 0;
      backgroundTarget = hint != 0 ? hint : 1 + random.nextInt(options.pool());
    }
    sim.clock().after(1 + random.nextInt(2_000 / options.backgroundWritesPerSecond() + 1),
        this::backgroundWrite);
  }

  /**
   * Whether a write proposed after the faults healed has committed; proposes one to the current
   * leader when there is none in flight (again when its leader is gone).
   */
  boolean livenessProbeCommitted(Supplier<SimNode> leaderNow) {
    boolean orphaned = probe != null && !probe.acknowledged && !Simulation.leads(prober, probeTerm);
    if (probe == null || probe.discarded || orphaned) {
      prober = leaderNow.get();
      probe = prober == null ? null : proposeProbe(prober);
    }
    return probe != null && probe.acknowledged;
  }

  private Op proposeProbe(SimNode leader) {
    String value = "probe-" + (++writeCounter);
    Op op = new Op(-1, Kind.PUT, "liveness", value, null, -1, null, sim.clock().stamp());
    KvCommand command = new KvCommand.Put("liveness", bytes(value));
    History.Attempt attempt = leader.propose(command, 0, new Waiter<>() {
      @Override
      public void succeeded(KvResult result) {
        op.acknowledged = true;
      }

      @Override
      public void failed(Failure failure, String why) {
        op.discarded = true;
      }
    });
    if (attempt == null) return null;
    probeTerm = attempt.term();
    return op;
  }

  /** A waiter for a write whose outcome nobody checks. */
  static Waiter<KvResult> ignoring() {
    return new Waiter<>() {
      @Override
      public void succeeded(KvResult value) {}

      @Override
      public void failed(Failure failure, String why) {}
    };
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
