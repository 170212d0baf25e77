package raftkv.raft;

import java.util.Arrays;

/** Majority arithmetic, kept pure so it can be checked against a naive oracle. */
public final class Quorum {

  private Quorum() {}

  public static int size(int members) {
    return members / 2 + 1;
  }

  /**
   * The largest value that at least a majority of {@code values} reach: with one value per
   * member (their match indexes), the highest index stored on a majority.
   */
  public static long majorityValue(long[] values) {
    if (values.length == 0) throw new IllegalArgumentException("no members");
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    // ascending: the element at n - quorum has quorum elements at or above it
    return sorted[sorted.length - size(sorted.length)];
  }

  /** The outcome of a vote count among {@code members} voters. */
  public enum VoteResult { WON, LOST, PENDING }

  public static VoteResult tally(int members, int granted, int rejected) {
    int q = size(members);
    if (granted >= q) return VoteResult.WON;
    if (rejected >= q || members - rejected < q) return VoteResult.LOST;
    return VoteResult.PENDING;
  }
}
