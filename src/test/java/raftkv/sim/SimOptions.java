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
    int maxEntriesPerAppend,
    int maxInflightAppends,
    double leaderHunting,
    long restartDelayMaxMs,
    double leaderChurn,
    long clientTimeoutMs,
    int backgroundWritesPerSecond,
    long livenessBoundMs) {

  static SimOptions swarm(long seed, int nodes) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    SimOptions o = new SimOptions(
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
        new int[] {1, 2, 4, 16, 64}[r.nextInt(5)],
        new int[] {1, 2, 8}[r.nextInt(3)],
        r.nextDouble(),
        new long[] {100, 500, 1_500}[r.nextInt(3)],
        r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.5,
        // longer than any partition lasts, so most writes learn their fate: every write left
        // unknown widens the linearizability search
        3_000,
        r.nextInt(2) == 0 ? 0 : r.nextInt(300),
        3_000);
    // Open-loop load beyond what tiny batches can replicate only builds a backlog that no
    // liveness bound can absorb: that is overload, not a Raft property.
    int capacityPerRtt = o.maxEntriesPerAppend() * o.maxInflightAppends();
    return capacityPerRtt >= 16 ? o : o.withBackgroundWrites(o.backgroundWritesPerSecond() / 10);
  }

  SimOptions withBackgroundWrites(int perSecond) {
    return new SimOptions(nodes, clients, keys, faultPhaseMs, tickMs, dropRate, duplicateRate,
        delayMinMs, delayMeanMs, partitionsPerSecond, crashesPerSecond, diskLatencyMaxMs,
        maxEntriesPerAppend, maxInflightAppends, leaderHunting, restartDelayMaxMs, leaderChurn,
        clientTimeoutMs, perSecond, livenessBoundMs);
  }

  @Override
  public String toString() {
    return String.format(
        "nodes=%d clients=%d keys=%d faultPhase=%dms drop=%.3f dup=%.3f delay=%d+exp(%.1f)ms "
            + "partitions/s=%.2f crashes/s=%.2f disk<=%dms "
            + "batch=%d inflight=%d leaderHunting=%.2f restart<=%dms "
            + "leaderChurn=%.2f clientTimeout=%dms background=%d/s "
            + "livenessBound=%dms",
        nodes, clients, keys, faultPhaseMs, dropRate, duplicateRate, delayMinMs, delayMeanMs,
        partitionsPerSecond, crashesPerSecond, diskLatencyMaxMs, maxEntriesPerAppend,
        maxInflightAppends, leaderHunting, restartDelayMaxMs, leaderChurn, clientTimeoutMs,
        backgroundWritesPerSecond, livenessBoundMs);
  }
}
