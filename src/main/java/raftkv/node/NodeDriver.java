package raftkv.node;

import java.util.ArrayDeque;
import java.util.List;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.Message;
import raftkv.raft.RaftNode;
import raftkv.raft.ReadState;
import raftkv.raft.Ready;
import raftkv.raft.SnapshotMeta;
import raftkv.raft.SoftState;

/**
 * Runs the Ready loop of one {@link RaftNode}: send, persist, apply, and after persistence
 * send the promises and advance (etcd raft's usage steps 1-4). The same driver runs in the
 * simulator and in the Vert.x verticle; only the {@link Environment} differs.
 *
 * <p>Persistence is asynchronous and pipelined: while one batch is being written, the next
 * Ready can be taken and handed to the environment, which writes batches in order (and may merge
 * them under one fsync). Replies that promise durability wait for every earlier batch.
 *
 * <p>Single-threaded: call everything from the node's one thread, and have the environment call
 * {@code onDurable} there too.
 */
public final class NodeDriver {

  /** What a driver needs from the world around it. */
  public interface Environment {
    void send(Message message);

    /**
     * Makes {@code hardState} (if not null) and {@code entries} durable, then runs
     * {@code onDurable} on the node's thread. Calls complete in the order they were made. A
     * {@code snapshot} (if not null) from the leader replaces the whole stored log first: its
     * content is already durable (the host received it), and the log continues after it.
     */
    void persist(HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
        Runnable onDurable);

    /**
     * The state machine must now be the snapshot's (the one the host received for it), before
     * the committed entries that follow it are applied.
     */
    void installSnapshot(SnapshotMeta snapshot);

    /** A committed entry, in log order, exactly once per driver lifetime. */
    void apply(Entry entry);

    /** A linearizable read may be served: everything up to its index is applied. */
    void readReady(ReadState read);

    /** A read requested from this node can no longer be served: leadership was lost. */
    void readAborted(long context);

    /**
     * The node's role, term or leader changed; called after the Ready that shows the change has
     * been carried out (its committed entries applied).
     */
    void softStateChanged(SoftState previous, SoftState current);
  }

  /** A Ready whose persistence was handed to the environment and is not yet acknowledged. */
  private static final class InFlight {
    final Ready ready;
    boolean durable;

    InFlight(Ready ready, boolean durable) {
      this.ready = ready;
      this.durable = durable;
    }
  }

  private final RaftNode node;
  private final Environment env;
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private SoftState softState;
  private boolean running;
  private boolean rerun;

  public NodeDriver(RaftNode node, Environment env) {
    this.node = node;
    this.env = env;
    this.softState = node.softState();
  }

  /** Executes whatever the core produced since the last call. Call after every input. */
  public void process() {
    if (running) {
      rerun = true; // called back from inside a hook: run again once the current pass ends
      return;
    }
    running = true;
    try {
      do {
        rerun = false;
        handle(node.ready());
      } while (rerun);
    } finally {
      running = false;
    }
  }

  private void handle(Ready rd) {
    if (!rd.isEmpty()) execute(rd);
    // After the apply: a write committed in the same Ready in which leadership was lost has its
    // result, rather than being failed as "outcome unknown" a moment before it is applied.
    if (!rd.softState().equals(softState)) {
      SoftState previous = softState;
      softState = rd.softState();
      env.softStateChanged(previous, softState);
    }
  }

  private void execute(Ready rd) {
    rd.messages().forEach(env::send);
    if (rd.mustSync()) {
      InFlight batch = new InFlight(rd, false);
      inFlight.add(batch);
      env.persist(rd.hardState(), rd.snapshot(), rd.entries(), () -> {
        batch.durable = true;
        drainDurable();
      });
    } else if (!rd.messagesAfterPersist().isEmpty()) {
      if (inFlight.isEmpty()) {
        rd.messagesAfterPersist().forEach(env::send);
      } else {
        inFlight.add(new InFlight(rd, true)); // promises wait for earlier batches
      }
    }
    if (rd.snapshot() != null) env.installSnapshot(rd.snapshot());
    rd.committedEntries().forEach(env::apply);
    rd.readStates().forEach(env::readReady);
    rd.abortedReads().forEach(env::readAborted);
  }

  private void drainDurable() {
    while (!inFlight.isEmpty() && inFlight.peekFirst().durable) {
      Ready rd = inFlight.pollFirst().ready;
      node.advance(rd);
      rd.messagesAfterPersist().forEach(env::send);
    }
    process(); // advancing may commit (leader) and so produce more work
  }
}
