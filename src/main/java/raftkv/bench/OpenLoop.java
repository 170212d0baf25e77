package raftkv.bench;

/**
 * One event loop's share of an open-loop run. The run's requests are numbered 0, 1, 2, ... and
 * request {@code i} is due at {@code start + i / rate}; this loop sends those with {@code i mod
 * loops == loop}, whatever the server does.
 *
 * <p>Latency counts from the due time, not from the actual send: when the server (or this
 * machine) stalls, requests that should have gone out meanwhile carry the stall in their latency,
 * instead of silently not being sent ("coordinated omission"). Requests in flight are capped; a
 * request due while the cap is reached is counted as an error, never skipped quietly.
 */
final class OpenLoop extends LoadVerticle {

  /** The run's schedule: the first {@code warmupCount} requests are not recorded. */
  record Schedule(double ratePerSecond, long warmupCount, long totalCount) {
    long dueNanos(long startNanos, long index) {
      return startNanos + Math.round(index * 1e9 / ratePerSecond);
    }
  }

  private final Schedule schedule;
  private final int loop;
  private final int loops;
  private final Workload.Stream ops;
  private final int maxOutstanding;
  private long next;
  private int outstanding;
  private boolean allDue;

  OpenLoop(Setup setup, Schedule schedule, int loop, int loops, Workload.Stream ops,
      int maxOutstanding) {
    super(setup);
    this.schedule = schedule;
    this.loop = loop;
    this.loops = loops;
    this.ops = ops;
    this.maxOutstanding = maxOutstanding;
    this.next = loop;
  }

  @Override
  protected void go() {
    sendDue();
  }

  /** Sends everything due by now, then sleeps until the next one is due. */
  private void sendDue() {
    long now = System.nanoTime();
    while (next < schedule.totalCount()) {
      long due = schedule.dueNanos(phases.startNanos(), next);
      if (due - now > 0) {
        long delayMs = Math.max(1, (due - now + 999_999) / 1_000_000);
        vertx.setTimer(delayMs, id -> sendDue());
        return;
      }
      sendOne(next, due);
      next += loops;
    }
    allDue = true;
    finishIfIdle();
  }

  private void sendOne(long index, long due) {
    Operation op = ops.next(); // drawn even when not sent, so the sequence does not depend on it
    boolean measured = index >= schedule.warmupCount();
    if (outstanding >= maxOutstanding) {
      stats.recordError(op.kind(), Outcome.error(Outcome.NOT_SENT,
          outstanding + " requests in flight on event loop " + loop), measured);
      return;
    }
    outstanding++;
    long sentAt = System.nanoTime();
    if (measured) stats.recordSendLag(sentAt - due);
    sender.send(op, index, outcome -> {
      outstanding--;
      recordAnswer(op, outcome, due, System.nanoTime(), measured);
      finishIfIdle();
    });
  }

  private void finishIfIdle() {
    if (allDue && outstanding == 0) finish();
  }
}
