package raftkv.sim;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import raftkv.kv.KvCommand;
import raftkv.kv.KvResult;
import raftkv.kv.KvStateMachine;
import raftkv.kv.LoggedCommand;
import raftkv.raft.Entry;

/**
 * What a run must show at its end, once the nodes have converged: every acknowledged write is in
 * the committed log where it was acknowledged, no write took effect twice, and the clients'
 * history is linearizable.
 *
 * <p>The committed log is replayed on a fresh {@link KvStateMachine} to learn what each entry
 * did; that is how writes whose client stopped waiting are resolved (see {@link
 * #resolveUnknownWrites}).
 */
final class EndChecks {

  private final SafetyChecker checker;
  private final History history;
  private final List<Entry> committed;
  /** results.get(i - 1): what applying the committed entry at index i answered. */
  private final List<KvResult> results = new ArrayList<>();
  /** changed.get(i - 1): whether applying the entry at index i changed the store. */
  private final List<Boolean> changed = new ArrayList<>();

  EndChecks(SafetyChecker checker, History history) {
    this.checker = checker;
    this.history = history;
    this.committed = checker.committed();
    KvStateMachine replay = new KvStateMachine();
    for (Entry e : committed) {
      long revision = replay.revision();
      results.add(replay.apply(e));
      changed.add(replay.revision() != revision);
    }
  }

  void acknowledgedWritesAreCommitted() {
    for (History.Op op : history.all()) {
      if (!op.isWrite() || !op.acknowledged) continue;
      Entry expected = op.acknowledgedBy.entry();
      if (expected.index() > committed.size()
          || !committed.get((int) expected.index() - 1).equals(expected)) {
        throw new SimulationFailure("acknowledged write lost: " + op + " was " + expected
            + " but the committed log has " + (expected.index() > committed.size() ? "nothing"
                : committed.get((int) expected.index() - 1)));
      }
    }
  }

  /**
   * Every value is written by one operation, so a value set twice in the committed log is a
   * write applied twice: a retry whose request id the store should have remembered.
   */
  void noWriteTookEffectTwice() {
    Map<String, Long> firstWrittenAt = new HashMap<>();
    for (int i = 0; i < committed.size(); i++) {
      Entry e = committed.get(i);
      if (!changed.get(i)) continue; // a no-op, a failed condition, or a retry answered
      KvCommand command = LoggedCommand.decode(e.command()).command();
      if (!(command instanceof KvCommand.Put put)) continue;
      String value = new String(put.value(), StandardCharsets.UTF_8);
      Long earlier = firstWrittenAt.putIfAbsent(value, e.index());
      if (earlier != null) {
        throw new SimulationFailure("exactly-once violated: " + put + " took effect at index "
            + earlier + " and again at " + e.index());
      }
    }
  }

  String linearizabilityProblem(Duration timeout) {
    resolveUnknownWrites();
    return HistoryChecks.linearizabilityProblem(history.ops(), timeout);
  }

  /**
   * A write whose client gave up (a timeout, its node died) has an unknown outcome to the
   * client, but the cluster knows it: the first of its proposals in the committed log that was
   * carried out decided it (later ones were answered from the request id table), by the time
   * that index was seen committed. (A proposal refused because its id stood for another request
   * did nothing; one of its retries may still be carried out once that id is forgotten.) If no
   * proposal was carried out, it never happened: the run ends with the leader's whole log
   * committed, so an entry outside the committed log can never be (a stale one on a follower is
   * of an older term, and no node holding the leader's last entry would elect its holder).
   * Resolving them keeps the check strict and fast: every unknown outcome widens the search.
   */
  private void resolveUnknownWrites() {
    for (History.Op op : history.ops()) {
      if (!op.isWrite() || op.returnTime != History.Op.UNKNOWN) continue;
      History.Attempt decided = null;
      for (History.Attempt a : op.attempts) {
        if (isCommitted(a) && carriedOut(a) && (decided == null || a.index() < decided.index())) {
          decided = a;
        }
      }
      if (decided != null) {
        op.swapped = results.get((int) decided.index() - 1).isOk();
        op.returnTime = Math.max(op.callTime, checker.commitTime(decided.index()));
        continue;
      }
      op.discarded = true;
    }
  }

  private boolean isCommitted(History.Attempt a) {
    return a.index() <= committed.size() && committed.get((int) a.index() - 1).equals(a.entry());
  }

  /** Applied for real: not refused for an id that stood for another request. */
  private boolean carriedOut(History.Attempt a) {
    KvResult.Status status = results.get((int) a.index() - 1).status();
    return status == KvResult.Status.OK || status == KvResult.Status.COMPARE_FAILED;
  }
}
