package raftkv.sim;

import java.util.Set;
import raftkv.raft.Sabotage;

/** Not a test: prints how often each sabotage is caught, to tune the fault mix. */
public final class SabotageRates {
  public static void main(String[] args) {
    int seeds = Integer.parseInt(args[0]);
    if (args.length > 1 && args[1].equals("timing")) {
      for (long seed = Long.getLong("from", 1); seed <= seeds; seed++) {
        long t0 = System.nanoTime();
        var opts = SimOptions.swarm(seed, 3);
        var r = Simulation.run(seed, opts, args.length > 2 ? Set.of(Sabotage.valueOf(args[2])) : Set.of());
        System.out.printf("seed %d %.0f ms ops=%d passed=%s %s%n", seed, (System.nanoTime() - t0) / 1e6,
            r.operations(), r.passed(), r.passed() ? "" : r.failure().lines().findFirst().get());
      }
      return;
    }
    for (Sabotage s : args.length > 1 ? new Sabotage[] {Sabotage.valueOf(args[1])}
        : Sabotage.values()) {
      for (int nodes : new int[] {3, 5}) {
        int caught = 0;
        long first = 0;
        for (long seed = 1; seed <= seeds; seed++) {
          var opts = SimOptions.swarm(seed, nodes);
          if (!Simulation.run(seed, opts, Set.of(s)).passed()) {
            caught++;
            if (first == 0) first = seed;
          }
        }
        System.out.printf("%s %d nodes: caught in %d of %d seeds, first at %d%n", s, nodes, caught,
            seeds, first);
      }
    }
  }
}
