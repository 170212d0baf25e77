package raftkv.node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import raftkv.raft.Entry;

/**
 * The client requests waiting on one replica: writes by the index and term their entry got when
 * proposed, linearizable reads by the context of their ReadIndex request.
 *
 * <ul>
 *   <li>A write's entry applied in its own term: it committed, the waiter gets the result. Another
 *       term at its index: another leader's entry won, so it can never commit (NOT_APPLIED).
 *   <li>Leadership lost with writes still waiting: they may yet commit under the next leader, or
 *       not (OUTCOME_UNKNOWN, hashicorp/raft's ErrLeadershipLost).
 *   <li>A read's round confirmed: the waiter may read; its round aborted: NOT_LEADER.
 * </ul>
 *
 * @param <R> the state machine's result for a write
 */
public final class PendingRequests<R> {

  private record PendingWrite<R>(long term, Waiter<R> waiter) {}

  private final Map<Long, PendingWrite<R>> writes = new HashMap<>();
  private final Map<Long, Waiter<Void>> reads = new HashMap<>();
  private long nextReadContext = 1;

  void addWrite(long index, long term, Waiter<R> waiter) {
    writes.put(index, new PendingWrite<>(term, waiter));
  }

  /** A fresh context for a read; {@link #addRead} it once the core has accepted it. */
  long nextReadContext() {
    return nextReadContext++;
  }

  void addRead(long context, Waiter<Void> waiter) {
    reads.put(context, waiter);
  }

  /** The entry at {@code entry.index()} was applied with {@code result}. */
  void applied(Entry entry, R result) {
    PendingWrite<R> pending = writes.remove(entry.index());
    if (pending == null) return;
    if (pending.term() == entry.term()) {
      pending.waiter().succeeded(result);
    } else {
      pending.waiter().failed(Failure.NOT_APPLIED,
          "leadership changed and another entry took the write's place in the log");
    }
  }

  void readReady(long context) {
    Waiter<Void> waiter = reads.remove(context);
    if (waiter != null) waiter.succeeded(null);
  }

  void readAborted(long context) {
    Waiter<Void> waiter = reads.remove(context);
    if (waiter != null) waiter.failed(Failure.NOT_LEADER, "leadership was lost before the read");
  }

  /** This node stopped leading: every write still waiting may or may not commit. */
  void leadershipLost() {
    failWrites(Failure.OUTCOME_UNKNOWN,
        "leadership was lost while the write was in flight");
  }

  /**
   * The node stops serving: writes in the log may still commit elsewhere (OUTCOME_UNKNOWN), reads
   * are simply not served (UNAVAILABLE).
   */
  void stopping(String why) {
    failWrites(Failure.OUTCOME_UNKNOWN, why);
    List<Waiter<Void>> waiting = new ArrayList<>(reads.values());
    reads.clear();
    waiting.forEach(w -> w.failed(Failure.UNAVAILABLE, why));
  }

  private void failWrites(Failure failure, String why) {
    List<PendingWrite<R>> waiting = new ArrayList<>(writes.values());
    writes.clear();
    waiting.forEach(p -> p.waiter().failed(failure, why));
  }

  public int writesWaiting() {
    return writes.size();
  }

  public int readsWaiting() {
    return reads.size();
  }
}
