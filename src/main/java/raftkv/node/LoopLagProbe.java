package raftkv.node;

import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;

/**
 * Measures how long the node's event loop is kept busy: a timer asks to run every {@value
 * #PERIOD_MS} ms, and how late it runs is (within a few ms) the longest turn that ran before it.
 * The longest lateness is kept overall and while a snapshot is being written, which must not stall
 * the loop: a worker writes it from a persistent view, and the loop only hands the view over.
 *
 * <p>Confined to the node's event loop.
 */
final class LoopLagProbe {

  static final long PERIOD_MS = 5;

  private final Vertx vertx;
  private final BooleanSupplier snapshotting;
  private long timer = -1;
  private long expectedNanos;
  private long maxLagNanos;
  private long maxLagWhileSnapshottingNanos;
  private boolean wasSnapshotting;
  private long currentSnapshotNanos;
  private long lastSnapshotNanos;

  LoopLagProbe(Vertx vertx, BooleanSupplier snapshotting) {
    this.vertx = vertx;
    this.snapshotting = snapshotting;
  }

  void start() {
    expectedNanos = System.nanoTime() + PERIOD_MS * 1_000_000;
    timer = vertx.setPeriodic(PERIOD_MS, id -> tick());
  }

  void stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
  }

  private void tick() {
    long nowNanos = System.nanoTime();
    long lag = Math.max(0, nowNanos - expectedNanos);
    maxLagNanos = Math.max(maxLagNanos, lag);
    boolean now = snapshotting.getAsBoolean();
    if (now && !wasSnapshotting) currentSnapshotNanos = 0;
    if (now) {
      maxLagWhileSnapshottingNanos = Math.max(maxLagWhileSnapshottingNanos, lag);
      currentSnapshotNanos = Math.max(currentSnapshotNanos, lag);
    } else if (wasSnapshotting) {
      lastSnapshotNanos = currentSnapshotNanos;
    }
    wasSnapshotting = now;
    expectedNanos = nowNanos + PERIOD_MS * 1_000_000;
  }

  /** The longest the loop was late since start, in ms. */
  double maxLagMs() {
    return maxLagNanos / 1e6;
  }

  /** The longest the loop was late while the last finished snapshot was being written, in ms. */
  double lastSnapshotMaxLagMs() {
    return lastSnapshotNanos / 1e6;
  }

  /** The longest the loop was late while any snapshot was being written, in ms. */
  double maxLagWhileSnapshottingMs() {
    return maxLagWhileSnapshottingNanos / 1e6;
  }
}
