package raftkv.sim;

/**
 * The last lines of what happened, kept quietly in a ring and formatted only when a run fails
 * (formatting every event of every passing seed would cost more than simulating it).
 */
final class Trace {

  private final long[] times;
  private final String[] kinds;
  private final Object[] details;
  private final EventQueue clock;
  private long count;

  Trace(EventQueue clock, int capacity) {
    this.clock = clock;
    this.times = new long[capacity];
    this.kinds = new String[capacity];
    this.details = new Object[capacity];
  }

  void add(String kind, Object detail) {
    int slot = (int) (count++ % times.length);
    times[slot] = clock.now();
    kinds[slot] = kind;
    details[slot] = detail;
  }

  String dump() {
    StringBuilder out = new StringBuilder();
    long first = Math.max(0, count - times.length);
    for (long i = first; i < count; i++) {
      int slot = (int) (i % times.length);
      out.append(String.format("%7d ms  %-9s %s%n", times[slot], kinds[slot], details[slot]));
    }
    return out.toString();
  }
}
