package raftkv.raft;

import java.util.ArrayDeque;

/**
 * The leader's view of one follower's log (etcd's tracker.Progress), and the rules by which that
 * view changes.
 *
 * <ul>
 *   <li>PROBE: the leader does not know where the follower's log diverges, so it sends one
 *       AppendEntries at a time and waits (re-sent every heartbeat).
 *   <li>REPLICATE: the logs agree up to {@code match}, so it streams batches optimistically,
 *       advancing {@code next} as it sends, with at most {@code maxInflight} unacknowledged.
 *   <li>SNAPSHOT: the follower needs entries the leader has compacted away; a snapshot up to
 *       {@code pendingSnapshot} is on its way, and nothing else is sent until it is installed or
 *       its transfer failed.
 * </ul>
 *
 * <p>Invariant: {@code match < next}.
 */
final class Progress {

  enum State { PROBE, REPLICATE, SNAPSHOT }

  final int peer;
  long match;
  long next;
  State state = State.PROBE;
  /** In PROBE: an append was sent and not yet answered (cleared by a reply or a heartbeat). */
  boolean probeSent;
  /** In SNAPSHOT: the index of the snapshot being sent. */
  long pendingSnapshot;
  /** The last index of each unacknowledged append, oldest first. */
  final ArrayDeque<Long> inflight = new ArrayDeque<>();
  /** Heard from this peer since the last check-quorum round. */
  boolean recentActive;
  /** The highest read round the peer has echoed. */
  long readSeqAcked;
  /** Ticks since the peer last acknowledged new entries while appends were in flight. */
  int ticksWithoutProgress;

  Progress(int peer, long next) {
    this.peer = peer;
    this.next = next;
  }

  boolean isPaused(int maxInflight) {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflight.size() >= maxInflight;
      case SNAPSHOT -> true;
    };
  }

  void becomeProbe() {
    state = State.PROBE;
    next = match + 1;
    probeSent = false;
    pendingSnapshot = 0;
    inflight.clear();
    ticksWithoutProgress = 0;
  }

  void becomeReplicate() {
    becomeProbe();
    state = State.REPLICATE;
  }

  void becomeSnapshot(long snapshotIndex) {
    becomeProbe();
    state = State.SNAPSHOT;
    pendingSnapshot = snapshotIndex;
  }

  /**
   * The host's report on a snapshot transfer. Either way the follower is probed next: after a
   * success from just past the snapshot, after a failure from its match (which sends the latest
   * snapshot again if the log still cannot serve it), not before the next heartbeat, so a
   * failing transfer is not retried in a tight loop.
   */
  void snapshotReported(boolean installed) {
    if (state != State.SNAPSHOT) return;
    long installedUpTo = pendingSnapshot;
    becomeProbe();
    if (installed) {
      next = Math.max(next, installedUpTo + 1);
    } else {
      probeSent = true;
    }
  }

  /**
   * One heartbeat interval passed: a lost probe is sent again, and an append lost in REPLICATE
   * (a hole nothing would fill) makes the leader fall back to probing after an election timeout
   * without progress.
   */
  void heartbeatElapsed(int heartbeatTicks, int electionTicks) {
    if (state == State.PROBE) {
      probeSent = false;
    } else if (state == State.REPLICATE && !inflight.isEmpty()) {
      ticksWithoutProgress += heartbeatTicks;
      if (ticksWithoutProgress >= electionTicks) becomeProbe();
    }
  }

  /**
   * Records an acknowledgement up to {@code index} and moves on from probing or a snapshot once
   * the follower's log is known to agree; false if it told us nothing new.
   */
  boolean acknowledge(long index) {
    while (!inflight.isEmpty() && inflight.peekFirst() <= index) inflight.pollFirst();
    boolean progressed = index > match;
    if (progressed) {
      match = index;
      next = Math.max(next, index + 1);
      ticksWithoutProgress = 0;
    }
    if (state == State.SNAPSHOT && match >= pendingSnapshot) becomeProbe();
    if (state == State.PROBE && index >= next - 1) becomeReplicate();
    return progressed;
  }

  /**
   * Whether a rejection says the follower no longer holds what it acknowledged up to {@link
   * #match}: its log ends below it, or it disagrees at an index at or below it (a disk that lied
   * about an fsync, a restored backup). A rejection from before the follower caught up, arriving
   * late, says the same; believing it costs one more probe, while ignoring a real loss would
   * leave the follower stuck for ever (every probe at {@code match} rejected) and counted for
   * entries it no longer holds.
   */
  boolean lostAcknowledgedEntries(AppendEntriesResponse rejection) {
    boolean logEndsBelow = rejection.conflictTerm() == 0 && rejection.conflictIndex() <= match;
    boolean disagreesBelow = rejection.rejectedIndex() <= match;
    return rejection.conflictIndex() >= 1 && (logEndsBelow || disagreesBelow);
  }

  /** The follower holds only up to {@code lastIndex}: lower the match, then probe from there. */
  void regressTo(long lastIndex) {
    match = Math.min(match, lastIndex);
    becomeProbe();
  }

  /**
   * A rejection of the append whose previous index was {@code rejected}: probe from {@code
   * hintNext} (from the follower's conflict hint), never below what it acknowledged. False for a
   * stale rejection (of an append sent before a later one succeeded), which changes nothing.
   */
  boolean rejected(long rejected, long hintNext) {
    boolean stale = switch (state) {
      case REPLICATE -> rejected <= match;
      case PROBE -> rejected != next - 1;
      case SNAPSHOT -> true; // the snapshot decides where the follower's log goes on
    };
    if (stale) return false;
    becomeProbe();
    next = Math.max(match + 1, Math.min(hintNext, rejected));
    return true;
  }

  void sent(long lastIndex) {
    if (state == State.REPLICATE) {
      next = lastIndex + 1;
      inflight.addLast(lastIndex);
    } else {
      probeSent = true;
    }
  }

  @Override
  public String toString() {
    return peer + ":" + state + " match=" + match + " next=" + next + " inflight=" + inflight.size()
        + (state == State.SNAPSHOT ? " snapshot=" + pendingSnapshot : "");
  }
}
