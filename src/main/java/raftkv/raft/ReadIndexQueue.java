package raftkv.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's linearizable reads (Raft §6.4), batched: every read queued between two calls to
 * {@link #startRound} shares one round, so one quorum of acknowledgements serves all of them.
 * While a round is on its way, new reads wait and then share the next one: at most one round is
 * in flight, so under a stream of reads the heartbeats they cost stay near one per round trip.
 */
final class ReadIndexQueue {

  private record PendingRead(long context, long index, long round) {}

  private final ArrayDeque<Long> unassigned = new ArrayDeque<>();
  private final ArrayDeque<PendingRead> awaitingQuorum = new ArrayDeque<>();
  /** The latest round started; rounds only grow, across terms too. */
  private long round;

  void request(long context) {
    unassigned.add(context);
  }

  boolean hasUnassigned() {
    return !unassigned.isEmpty();
  }

  /** Whether reads of a started round still wait for its quorum. */
  boolean roundInFlight() {
    return !awaitingQuorum.isEmpty();
  }

  long currentRound() {
    return round;
  }

  /** Starts a new round for every unassigned read, at read index {@code commitIndex}. */
  void startRound(long commitIndex) {
    round++;
    for (long context : unassigned) awaitingQuorum.add(new PendingRead(context, commitIndex, round));
    unassigned.clear();
  }

  /** Starts a new round for the oldest unassigned read alone (reads not batched). */
  void startRoundForOldest(long commitIndex) {
    round++;
    awaitingQuorum.add(new PendingRead(unassigned.poll(), commitIndex, round));
  }

  /** Reads whose round a quorum has confirmed, oldest first. */
  List<ReadState> releaseUpTo(long confirmedRound) {
    List<ReadState> ready = new ArrayList<>();
    while (!awaitingQuorum.isEmpty() && awaitingQuorum.peekFirst().round() <= confirmedRound) {
      PendingRead r = awaitingQuorum.pollFirst();
      ready.add(new ReadState(r.context(), r.index()));
    }
    return ready;
  }

  /** Leadership is lost: every pending read fails (its context is returned). */
  List<Long> abortAll() {
    List<Long> aborted = new ArrayList<>(unassigned);
    awaitingQuorum.forEach(r -> aborted.add(r.context()));
    unassigned.clear();
    awaitingQuorum.clear();
    return aborted;
  }
}
