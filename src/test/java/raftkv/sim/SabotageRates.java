package raftkv.sim;

import java.util.Set;
import raftkv.raft.Sabotage;

/** Not a test: prints how often each sabotage is caught, to tune the fault mix. */
public final class SabotageRates {
  public static void main(String[] args) {
    int seeds = Integer.parseInt(args[0]);
    for (Sabotage s : Sabotage.values()) {
      for (int nodes : new int[] {3, 5}) {
        int caught = 0;
        long first = 0;
        for (long seed = 1; seed <= seeds; seed++) {
          if (!Simulation.run(seed, nodes, Set.of(s)).passed()) {
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
