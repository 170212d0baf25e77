package raftkv.sim;

import java.util.SplittableRandom;

/**
 * One simulation's fault mix, drawn from the seed (swarm testing: every seed is a different
 * blend of faults, so rare combinations get their turn). Times are virtual milliseconds.
 *
 * @param crashesPerSecond kills and power losses of a node chosen at random (or the leader)
 * @param pausesPerSecond freezes of a node (or the leader) for 0.2 to 5.2 s, as a GC pause or
 *     SIGSTOP does
 * @param killFraction a crash is a kill (the process dies, its page cache survives) this often,
 *     and a power loss (the page cache is lost) otherwise
 * @param powerLossAfterRestart how often a killed node loses power soon after its restart:
 *     what it read back from the page cache must have been made durable by then
 * @param leaderChurn how often a newly elected leader is crashed, within {@code
 *     leaderChurnDelayMaxMs}: before its no-op reaches anyone, which is what the subtle
 *     commit-rule cases (Figure 8) are made of
 * @param churnStorm leaders are also crashed right after they take a write (with the
 *     probability {@code leaderChurn}), replication is one entry at a time, and the fault phase
 *     is long: a storm of short-lived leaders leaving divergent entries behind
 * @param crashOnCommit how often a leader dies the moment it learns that an index is
 *     committed, before it tells anyone
 * @param requestIdFraction how many writes carry a request id (and are retried with it)
 * @param keepIdMs how long the leaders stamp request ids to be remembered
 * @param clockSkewMaxMs how far each node's clock may be off (the stamps are the leaders')
 * @param pool the servers that exist, ids 1 to {@code pool}: the first {@code nodes} are the
 *     cluster's bootstrap voters, the rest start as nodes that join once added
 * @param membershipChangesPerSecond configuration changes and leadership transfers the
 *     operator asks the leader for (add a learner, promote, remove, transfer), so the cluster's
 *     size wanders between 1 and {@code pool}
 */
record SimOptions(
    int nodes,
    int clients,
    double clientWandering,
    int keys,
    double readFraction,
    long faultPhaseMs,
    long tickMs,
    double dropRate,
    double duplicateRate,
    long delayMinMs,
    double delayMeanMs,
    double partitionsPerSecond,
    double crashesPerSecond,
    double pausesPerSecond,
    long diskLatencyMaxMs,
    int maxEntriesPerAppend,
    int maxInflightAppends,
    double leaderHunting,
    long restartDelayMaxMs,
    double leaderChurn,
    long leaderChurnDelayMaxMs,
    boolean churnStorm,
    double crashOnCommit,
    long clientTimeoutMs,
    int backgroundWritesPerSecond,
    long livenessBoundMs,
    double killFraction,
    double powerLossAfterRestart,
    double requestIdFraction,
    long keepIdMs,
    long clockSkewMaxMs,
    int pool,
    double membershipChangesPerSecond) {

  static SimOptions swarm(long seed, int nodes) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    int clients = 1 + r.nextInt(5);
    // how often a client sends an operation to a node picked at random rather than to the one
    // it believes leads, as clients behind a load balancer do
    double clientWandering = r.nextBoolean() ? 0.1 : 0.5;
    int keys = 1 + r.nextInt(4);
    double readFraction = r.nextInt(3) == 0 ? 0.85 : 0.4;
    long faultPhaseMs = 2_000 + r.nextInt(4_000);
    double dropRate = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.2;
    double duplicateRate = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.05;
    long delayMinMs = r.nextInt(4);
    double delayMeanMs = 0.5 + r.nextDouble() * 15;
    double partitionsPerSecond = r.nextInt(4) == 0 ? 0 : r.nextDouble() * 1.5;
    double crashesPerSecond = r.nextInt(4) == 0 ? 0 : r.nextDouble() * 5.0;
    double pausesPerSecond = r.nextBoolean() ? r.nextDouble() * 1.0 : 0;
    long diskLatencyMaxMs = 1 + r.nextInt(6);
    int maxEntriesPerAppend = new int[] {1, 2, 4, 16, 64}[r.nextInt(5)];
    int maxInflightAppends = new int[] {1, 2, 8}[r.nextInt(3)];
    double leaderHunting = r.nextDouble();
    long restartDelayMaxMs = new long[] {100, 500, 1_500}[r.nextInt(3)];
    double leaderChurn = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.5;
    long leaderChurnDelayMaxMs = 40;
    boolean churnStorm = r.nextInt(3) == 0;
    double crashOnCommit = r.nextInt(4) == 0 ? r.nextDouble() * 0.02 : 0;
    // mostly longer than any partition lasts, so most writes learn their fate (every write left
    // unknown widens the linearizability search); sometimes short, so that clients give up on
    // a frozen node and carry on elsewhere
    long clientTimeoutMs = r.nextInt(3) == 0 ? 1_000 : 3_000;
    int backgroundWritesPerSecond = r.nextInt(2) == 0 ? 0 : r.nextInt(300);
    double killFraction = new double[] {0, 0.5, 0.9, 1}[r.nextInt(4)];
    double powerLossAfterRestart = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.8;
    double requestIdFraction = new double[] {0, 0.5, 1}[r.nextInt(3)];
    // a request id outlives every retry (all within 3 s of the call, on clocks up to 300 ms
    // apart), sometimes barely
    long keepIdMs = r.nextBoolean() ? 4_000 : 600_000;
    long clockSkewMaxMs = new long[] {0, 50, 300}[r.nextInt(3)];
    long livenessBoundMs = 3_000;
    if (churnStorm) {
      // A storm of short-lived leaders, killed moments after they are elected and back soon:
      // the three or four leaders in a row that an old term's entry needs (Figure 8).
      leaderChurn = 0.6 + r.nextDouble() * 0.4;
      leaderChurnDelayMaxMs = 100;
      restartDelayMaxMs = 100;
      killFraction = 1;
      // One entry per message, one message in flight per follower: a new leader's no-op
      // travels apart from the old entries, and a write taken just before a crash never left.
      maxEntriesPerAppend = 1;
      maxInflightAppends = 1;
      dropRate = 0.1 + r.nextDouble() * 0.2;
      delayMeanMs = 5 + r.nextDouble() * 10; // slow round trips: wide windows between steps
      crashesPerSecond = 3 + r.nextDouble() * 5; // followers die in those windows too
      leaderHunting = r.nextDouble() * 0.3;
      faultPhaseMs *= 3; // and many leaders in a row
      // Few clients: writes that wait seconds to commit make every operation overlap every
      // other, and a history of many such is more than the checker can search.
      clients = Math.min(clients, 2);
      clientTimeoutMs = 3_000;
      // which leave long divergent logs behind, repaired one entry per slow round trip
      livenessBoundMs = 10_000;
    }


    // Open-loop load beyond what tiny batches can replicate only builds a backlog that no
    // liveness bound can absorb: that is overload, not a Raft property. What backlog remains
    // (a follower frozen for seconds) takes a round trip per entry or two to repair.
    if (maxEntriesPerAppend * maxInflightAppends < 16) {
      backgroundWritesPerSecond /= 10;
      livenessBoundMs = 10_000;
    }
    // half the seeds change the configuration under the faults, among five servers
    double membershipChangesPerSecond = r.nextBoolean() ? 0 : 1 + r.nextDouble() * 9;
    int pool = membershipChangesPerSecond > 0 ? Math.max(nodes, 5) : nodes;
    return new SimOptions(nodes, clients, clientWandering, keys, readFraction, faultPhaseMs, 10, dropRate, duplicateRate,
        delayMinMs, delayMeanMs, partitionsPerSecond, crashesPerSecond, pausesPerSecond,
        diskLatencyMaxMs,
        maxEntriesPerAppend, maxInflightAppends, leaderHunting, restartDelayMaxMs, leaderChurn,
        leaderChurnDelayMaxMs, churnStorm, crashOnCommit, clientTimeoutMs, backgroundWritesPerSecond, livenessBoundMs,
        killFraction,
        powerLossAfterRestart, requestIdFraction, keepIdMs, clockSkewMaxMs, pool,
        membershipChangesPerSecond);
  }

  @Override
  public String toString() {
    return String.format(
        "nodes=%d clients=%d wandering=%.1f keys=%d reads=%.2f faultPhase=%dms drop=%.3f dup=%.3f delay=%d+exp(%.1f)ms "
            + "partitions/s=%.2f crashes/s=%.2f pauses/s=%.2f disk<=%dms "
            + "batch=%d inflight=%d leaderHunting=%.2f restart<=%dms "
            + "leaderChurn=%.2f<=%dms%s crashOnCommit=%.3f clientTimeout=%dms background=%d/s "
            + "livenessBound=%dms kills=%.2f powerLossAfterRestart=%.2f ids=%.2f keepId=%dms "
            + "clockSkew<=%dms pool=%d changes/s=%.2f",
        nodes, clients, clientWandering, keys, readFraction, faultPhaseMs, dropRate, duplicateRate, delayMinMs, delayMeanMs,
        partitionsPerSecond, crashesPerSecond, pausesPerSecond, diskLatencyMaxMs,
        maxEntriesPerAppend,
        maxInflightAppends, leaderHunting, restartDelayMaxMs, leaderChurn, leaderChurnDelayMaxMs,
        churnStorm ? " (storm)" : "", crashOnCommit, clientTimeoutMs, backgroundWritesPerSecond, livenessBoundMs, killFraction,
        powerLossAfterRestart, requestIdFraction, keepIdMs, clockSkewMaxMs, pool,
        membershipChangesPerSecond);
  }
}
