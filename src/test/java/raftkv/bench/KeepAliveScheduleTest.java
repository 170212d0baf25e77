package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** How the lease benchmark spreads keep-alives over time and event loops. */
class KeepAliveScheduleTest {

  @Property(tries = 200)
  void allLoopsTogetherRenewEveryLeaseOncePerPeriodEvenlySpaced(
      @ForAll @IntRange(min = 1, max = 500) int leases,
      @ForAll @IntRange(min = 1, max = 8) int loops) {
    long period = 3_333_333_333L;
    List<Long> firstPeriod = new ArrayList<>();
    for (int l = 0; l < loops; l++) {
      int local = WatchBench.dealt(leases, l, loops);
      if (local == 0) continue;
      KeepAliveSchedule s = new KeepAliveSchedule(period, leases, l, loops, local);
      for (long n = 0; n < local; n++) firstPeriod.add(s.dueNanos(n));
    }
    firstPeriod.sort(null);

    assertThat(firstPeriod).hasSize(leases);
    for (int g = 0; g < leases; g++) {
      // slot g at g * period / leases: evenly spaced, all within the first period
      assertThat(firstPeriod.get(g)).isEqualTo(g * period / leases);
    }
  }

  @Test
  void eachLeaseComesBackOncePerPeriodInOrder() {
    KeepAliveSchedule s = new KeepAliveSchedule(900, 10, 1, 4, 3); // loop 1 holds slots 1, 5, 9

    assertThat(List.of(s.dueNanos(0), s.dueNanos(1), s.dueNanos(2), s.dueNanos(3),
        s.dueNanos(4), s.dueNanos(5))).containsExactly(90L, 450L, 810L, 990L, 1350L, 1710L);
    assertThat(List.of(s.leaseOf(0), s.leaseOf(1), s.leaseOf(2), s.leaseOf(3)))
        .containsExactly(0, 1, 2, 0);
  }

  @Test
  void dueTimesNeverGoBackwards() {
    KeepAliveSchedule s = new KeepAliveSchedule(3_333_333_333L, 10_000, 3, 4, 2_500);
    long last = -1;
    for (long n = 0; n < 20_000; n++) {
      long due = s.dueNanos(n);
      assertThat(due).isGreaterThan(last);
      last = due;
    }
  }

  @Test
  void longPeriodsAndManyLeasesDoNotOverflow() {
    long hour = 3_600_000_000_000L;
    KeepAliveSchedule s = new KeepAliveSchedule(hour, Integer.MAX_VALUE, 0, 1, Integer.MAX_VALUE);

    long due = s.dueNanos(Integer.MAX_VALUE - 1L);
    assertThat(due).isBetween(0L, hour);
  }

  @Test
  void thingsAreDealtLikeCards() {
    assertThat(List.of(WatchBench.dealt(10, 0, 4), WatchBench.dealt(10, 1, 4),
        WatchBench.dealt(10, 2, 4), WatchBench.dealt(10, 3, 4))).containsExactly(3, 3, 2, 2);
  }
}
