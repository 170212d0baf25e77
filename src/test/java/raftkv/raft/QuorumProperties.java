package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Quorum arithmetic against naive oracles. */
class QuorumProperties {

  /** The smallest count that is more than half of {@code n}. */
  private static int naiveMajority(int n) {
    int k = 0;
    while (2 * k <= n) k++;
    return k;
  }

  @Property(tries = 500)
  @Label("majorityValue is the largest v that a majority of the values reach")
  void majorityValueMatchesOracle(
      @ForAll @Size(min = 1, max = 9) List<@LongRange(min = 0, max = 20) Long> values) {
    long[] array = values.stream().mapToLong(Long::longValue).toArray();
    long oracle = -1;
    for (long v = 0; v <= 20; v++) {
      long candidate = v;
      long reaching = values.stream().filter(x -> x >= candidate).count();
      if (reaching >= naiveMajority(values.size())) oracle = v;
    }
    assertThat(Quorum.majorityValue(array)).isEqualTo(oracle);
    assertThat(array).as("the input is not reordered").containsExactly(
        values.stream().mapToLong(Long::longValue).toArray());
  }

  @Property(tries = 500)
  @Label("tally: won with a majority of grants, lost once a majority is out of reach")
  void tallyMatchesOracle(@ForAll @IntRange(min = 1, max = 9) int members,
      @ForAll @IntRange(min = 0, max = 9) int granted,
      @ForAll @IntRange(min = 0, max = 9) int rejected) {
    Assume.that(granted + rejected <= members);
    int majority = naiveMajority(members);
    int undecided = members - granted - rejected;
    Quorum.VoteResult oracle = granted >= majority ? Quorum.VoteResult.WON
        : granted + undecided < majority ? Quorum.VoteResult.LOST
        : Quorum.VoteResult.PENDING;
    assertThat(Quorum.tally(members, granted, rejected)).isEqualTo(oracle);
    assertThat(Quorum.size(members)).isEqualTo(majority);
  }
}
