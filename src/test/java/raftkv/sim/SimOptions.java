package raftkv.sim;

import java.util.SplittableRandom;

/**
 * One simulation's fault mix, drawn from the seed (swarm testing: every seed is a different
 * blend of faults, so rare combinations get their turn). Times are virtual milliseconds.
 */
record SimOptions(
    int nodes,
    int clients,
    int keys,
    long faultPhaseMs,
    long tickMs,
    double dropRate,
    double duplicateRate,
    long delayMinMs,
    double delayMeanMs,
    double partitionsPerSecond,
    double crashesPerSecond,
    long diskLatencyMaxMs,
    double torn,
    int maxEntriesPerAppend,
    int maxInflightAppends,
    double leaderHunting,
    long restartDelayMaxMs) {

  static SimOptions swarm(long seed, int nodes) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    return new SimOptions(
        nodes,
        1 + r.nextInt(5),
        1 + r.nextInt(4),
        2_000 + r.nextInt(4_000),
        10,
        r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.2,
        r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.05,
        r.nextInt(4),
        0.5 + r.nextDouble() * 15,
        r.nextInt(4) == 0 ? 0 : r.nextDouble() * 1.5,
        r.nextInt(4) == 0 ? 0 : r.nextDouble() * 5.0,
        1 + r.nextInt(6),
        r.nextDouble(),
        new int[] {1, 2, 4, 16, 64}[r.nextInt(5)],
        new int[] {1, 2, 8}[r.nextInt(3)],
        r.nextDouble(),
        new long[] {100, 500, 1_500}[r.nextInt(3)]);
  }

  @Override
  public String toString() {
    return String.format(
        "nodes=%d clients=%d keys=%d faultPhase=%dms drop=%.3f dup=%.3f delay=%d+exp(%.1f)ms "
            + "partitions/s=%.2f crashes/s=%.2f disk<=%dms keepUnsynced=%.2f "
            + "batch=%d inflight=%d leaderHunting=%.2f restart<=%dms",
        nodes, clients, keys, faultPhaseMs, dropRate, duplicateRate, delayMinMs, delayMeanMs,
        partitionsPerSecond, crashesPerSecond, diskLatencyMaxMs, torn, maxEntriesPerAppend,
        maxInflightAppends, leaderHunting, restartDelayMaxMs);
  }
}
