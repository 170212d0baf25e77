package raftkv.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import raftkv.raft.Sabotage;

/**
 * The simulator has teeth: each deliberately broken variant of the core is caught within a
 * bounded number of seeds. If one of these starts passing, the simulator has gone blind.
 */
class SabotageTest {

  static final int SEED_BUDGET = 2_000;

  @ParameterizedTest
  @EnumSource(Sabotage.class)
  void brokenCoreIsCaught(Sabotage broken) {
    for (int nodes : new int[] {3, 5}) {
      Simulation.Result caught = null;
      for (long seed = 1; seed <= SEED_BUDGET && caught == null; seed++) {
        Simulation.Result r =
            Simulation.run(seed, nodes, Set.of(broken), java.time.Duration.ofSeconds(2));
        // a check that ran out of time proves nothing either way
        if (!r.passed() && !r.failure().contains("too hard to check")) caught = r;
      }
      assertThat(caught).as(broken + " went unnoticed in " + SEED_BUDGET + " seeds of "
          + nodes + " nodes").isNotNull();
      System.out.printf("%s with %d nodes: caught at seed %d: %s%n", broken, nodes, caught.seed(),
          caught.failure().lines().findFirst().orElse(""));
    }
  }
}
