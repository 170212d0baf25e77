package raftkv.bench;

/**
 * When one event loop's keep-alives are due, so that all loops together renew every lease once
 * per period and spread the renewals evenly over it: a steady {@code totalLeases / period} rate
 * instead of bursts.
 *
 * <p>Lease {@code j} of loop {@code loop} has the global slot {@code j * loops + loop} (loop
 * shares are dealt out like cards, {@link WatchBench#dealt}: the first {@code totalLeases %
 * loops} loops hold one more),
 * and slot {@code g} is renewed at {@code g * period / totalLeases} into every period. This
 * loop's keep-alive number {@code n} renews its lease {@code n % localLeases} in period {@code n
 * / localLeases}, so the times grow with {@code n}.
 */
record KeepAliveSchedule(long periodNanos, int totalLeases, int loop, int loops,
    int localLeases) {

  KeepAliveSchedule {
    if (periodNanos <= 0 || totalLeases <= 0 || loops <= 0 || loop < 0 || loop >= loops
        || localLeases < 0) {
      throw new IllegalArgumentException("bad keep-alive schedule");
    }
  }

  /** This loop's lease that keep-alive number {@code n} renews (an index into its leases). */
  int leaseOf(long n) {
    return (int) (n % localLeases);
  }

  /** When keep-alive number {@code n} is due, in nanoseconds after the schedule starts. */
  long dueNanos(long n) {
    long period = n / localLeases;
    long slot = (long) leaseOf(n) * loops + loop;
    // slot * periodNanos / totalLeases, split so that no product can overflow: slot and the
    // remainder are both below totalLeases, an int
    long whole = periodNanos / totalLeases;
    long rest = periodNanos % totalLeases;
    return period * periodNanos + slot * whole + slot * rest / totalLeases;
  }
}
