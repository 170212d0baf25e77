package raftkv.raft;

import java.util.ArrayDeque;

/**
 * The leader's view of one follower's log (etcd's tracker.Progress).
 *
 * <p>In PROBE the leader does not know where the follower's log diverges, so it sends one
 * AppendEntries at a time and waits. In REPLICATE the logs agree up to {@code match}, so it
 * streams batches optimistically, advancing {@code next} as it sends, with at most
 * {@code maxInflight} messages unacknowledged.
 *
 * <p>Invariant: {@code match < next}.
 */
final class Progress {

  enum State { PROBE, REPLICATE }

  final int peer;
  long match;
  long next;
  State state = State.PROBE;
  /** In PROBE: an append was sent and not yet answered (cleared by a reply or a heartbeat). */
  boolean probeSent;
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
    return state == State.PROBE ? probeSent : inflight.size() >= maxInflight;
  }

  void becomeProbe() {
    state = State.PROBE;
    next = match + 1;
    probeSent = false;
    inflight.clear();
    ticksWithoutProgress = 0;
  }

  void becomeReplicate() {
    state = State.REPLICATE;
    next = match + 1;
    probeSent = false;
    inflight.clear();
    ticksWithoutProgress = 0;
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

  /** Records an acknowledgement up to {@code index}; false if it told us nothing new. */
  boolean acknowledge(long index) {
    while (!inflight.isEmpty() && inflight.peekFirst() <= index) inflight.pollFirst();
    if (index <= match) return false;
    match = index;
    next = Math.max(next, index + 1);
    ticksWithoutProgress = 0;
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
    return peer + ":" + state + " match=" + match + " next=" + next + " inflight=" + inflight.size();
  }
}
