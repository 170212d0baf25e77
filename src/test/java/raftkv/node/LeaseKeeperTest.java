package raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import raftkv.kv.KvCommand;
import raftkv.kv.KvStateMachine;
import raftkv.raft.Entry;

/** The leader's lease clock, in virtual milliseconds. */
class LeaseKeeperTest {

  private final KvStateMachine kv = new KvStateMachine();
  private final LeaseKeeper keeper = new LeaseKeeper(500, 2);
  private final List<Long> expired = new ArrayList<>();

  private long grant(long ttlMs) {
    return kv.apply(new Entry(kv.appliedIndex() + 1, 1,
        new KvCommand.Grant(ttlMs, null).encode())).lease();
  }

  private void tick(long nowMs) {
    keeper.tick(nowMs, lease -> expired.add(lease));
  }

  @Test
  void aLeaseNobodyRenewsExpiresAfterItsTtl() {
    keeper.becameLeader(1, kv, 0);
    long lease = grant(1_000);
    keeper.granted(lease, 1_000, 1, 100);
    tick(1_099);
    assertThat(expired).isEmpty();
    tick(1_100);
    assertThat(expired).containsExactly(lease);
    tick(2_000); // proposed once, not every tick
    assertThat(expired).containsExactly(lease);
    assertThat(keeper.renew(lease, kv, 2_000)).isEqualTo(-1); // too late to save it
  }

  @Test
  void aRenewedLeaseLivesATtlFromTheRenewal() {
    keeper.becameLeader(1, kv, 0);
    long lease = grant(1_000);
    keeper.granted(lease, 1_000, 1, 0);
    for (long t = 300; t <= 3_000; t += 300) {
      assertThat(keeper.renew(lease, kv, t)).isEqualTo(1_000);
      tick(t + 299);
    }
    assertThat(expired).isEmpty();
    assertThat(keeper.remainingMs(lease, 3_100)).isEqualTo(900);
  }

  @Test
  void aNewLeaderGivesEveryLeaseAFullTtlAndAnElectionTimeout() {
    long lease = grant(1_000);
    keeper.becameLeader(2, kv, 10_000);
    tick(11_499);
    assertThat(expired).isEmpty();
    tick(11_500);
    assertThat(expired).containsExactly(lease);
  }

  @Test
  void aGrantFromAnEarlierTermAppliedByTheNewLeaderGetsTheExtensionToo() {
    keeper.becameLeader(3, kv, 0);
    long old = grant(1_000);
    keeper.granted(old, 1_000, 2, 0);
    long fresh = grant(1_000);
    keeper.granted(fresh, 1_000, 3, 0);
    tick(1_000);
    assertThat(expired).containsExactly(fresh);
    tick(1_500);
    assertThat(expired).containsExactly(fresh, old);
  }

  @Test
  void aFollowerExpiresNothingAndRenewsNothing() {
    long lease = grant(1_000);
    keeper.granted(lease, 1_000, 1, 0);
    tick(100_000);
    assertThat(expired).isEmpty();
    assertThat(keeper.renew(lease, kv, 0)).isEqualTo(-1);
    keeper.becameLeader(1, kv, 0);
    keeper.stoppedLeading();
    tick(100_000);
    assertThat(expired).isEmpty();
  }

  @Test
  void expiriesPerTickAreBoundedMostOverdueFirst() {
    keeper.becameLeader(1, kv, 0);
    long a = grant(300);
    long b = grant(100);
    long c = grant(200);
    keeper.granted(a, 300, 1, 0);
    keeper.granted(b, 100, 1, 0);
    keeper.granted(c, 200, 1, 0);
    tick(1_000);
    assertThat(expired).containsExactly(b, c);
    tick(1_050);
    assertThat(expired).containsExactly(b, c, a);
  }

  @Test
  void anEndedLeaseIsForgotten() {
    keeper.becameLeader(1, kv, 0);
    long lease = grant(100);
    keeper.granted(lease, 100, 1, 0);
    keeper.ended(lease);
    tick(1_000);
    assertThat(expired).isEmpty();
    assertThat(keeper.tracked()).isZero();
  }
}
