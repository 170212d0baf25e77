package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keys, the op mix, and replaying a run from its seed. */
class WorkloadTest {

  private static List<Operation> ops(Workload workload, int streams, int each) {
    List<Operation> ops = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      Workload.Stream stream = workload.newStream();
      for (int i = 0; i < each; i++) ops.add(stream.next());
    }
    return ops;
  }

  private static Workload uniform(long seed) {
    return Workload.of("k/", 1000, 0.3, KeyDistribution.uniform(1000), false, 16, seed);
  }

  @Test
  void theSameSeedGivesEverySenderTheSameOperationsAndValue() {
    assertThat(ops(uniform(99), 4, 500)).isEqualTo(ops(uniform(99), 4, 500));
    assertThat(uniform(99).value()).isEqualTo(uniform(99).value());
    assertThat(ops(uniform(99), 4, 500)).isNotEqualTo(ops(uniform(100), 4, 500));
  }

  @Test
  void keysArePrefixedAndZeroPaddedSoTheySortNumerically() {
    Workload workload = uniform(1);
    assertThat(workload.key(0)).isEqualTo("k/000");
    assertThat(workload.key(42)).isEqualTo("k/042");
    assertThat(workload.key(999)).isEqualTo("k/999");
    assertThat(ops(workload, 1, 2000)).extracting(Operation::key)
        .allMatch(k -> k.matches("k/[0-9]{3}"));
  }

  @Test
  void theReadFractionIsKept() {
    long reads = ops(uniform(5), 2, 10_000).stream().filter(Operation::isRead).count();
    assertThat(reads / 20_000.0).isCloseTo(0.3, within(0.02));
  }

  @Test
  void scramblingMovesTheHotKeysButKeepsTheirShare() {
    ZipfianGenerator zipf = new ZipfianGenerator(1000, 0.99);
    Workload plain = Workload.of("k/", 1000, 0, zipf, false, 1, 3);
    Workload scrambled = Workload.of("k/", 1000, 0, zipf, true, 1, 3);

    Map<String, Integer> plainCounts = counts(ops(plain, 1, 100_000));
    Map<String, Integer> scrambledCounts = counts(ops(scrambled, 1, 100_000));

    String hottest = hottest(scrambledCounts);
    assertThat(hottest(plainCounts)).isEqualTo("k/000");
    assertThat(scrambledCounts.get(hottest) / 100_000.0)
        .isCloseTo(zipf.hottestShare(), within(0.01));
    // a bijection: no two ranks land on one key, so as many distinct keys show up
    assertThat(scrambledCounts.size()).isCloseTo(plainCounts.size(), within(30));
    assertThat(new HashSet<>(scrambledCounts.keySet())).allMatch(k -> k.matches("k/[0-9]{3}"));
  }

  private static Map<String, Integer> counts(List<Operation> ops) {
    Map<String, Integer> counts = new HashMap<>();
    for (Operation op : ops) counts.merge(op.key(), 1, Integer::sum);
    return counts;
  }

  @Test
  void sequentialWritesEveryKeyOnceAcrossAllStreams() {
    Workload workload =
        Workload.of("k/", 1000, 0.0, KeyDistribution.sequential(1000), false, 16, 7);
    List<Operation> ops = ops(workload, 4, 250);
    assertThat(new HashSet<>(ops.stream().map(Operation::key).toList())).hasSize(1000);
    assertThat(ops.get(0).key()).isEqualTo("k/000");
    assertThat(workload.newStream().next().key()).as("wraps after the last key").isEqualTo("k/000");
  }

  private static String hottest(Map<String, Integer> counts) {
    return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
  }
}
