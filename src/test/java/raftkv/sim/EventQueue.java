package raftkv.sim;

import java.util.PriorityQueue;

/** Virtual time: events ordered by (time, sequence number), so ties break deterministically. */
final class EventQueue {

  private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long now;
  private long seq;
  private long stamps;

  long now() {
    return now;
  }

  /**
   * A logical timestamp for histories: strictly increasing in the order things happen, so two
   * actions in the same virtual millisecond are still ordered (ties would make every operation
   * of that millisecond look concurrent and the linearizability search explode).
   */
  long stamp() {
    return ++stamps;
  }

  void at(long time, Runnable action) {
    queue.add(new Event(Math.max(time, now), seq++, action));
  }

  void after(long delay, Runnable action) {
    at(now + delay, action);
  }

  /** Runs the next event if it is due by {@code until}; false when none is. */
  boolean runNext(long until) {
    Event e = queue.peek();
    if (e == null || e.time > until) {
      now = Math.max(now, until);
      return false;
    }
    queue.poll();
    now = e.time;
    e.action.run();
    return true;
  }
}
