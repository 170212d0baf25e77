package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Grant;
import raftkv.kv.KvCommand.Put;
import raftkv.kv.KvCommand.Revoke;
import raftkv.raft.Entry;
import raftkv.raft.SnapshotMeta;

/** Leases in the state machine, and the changes it reports to watchers. */
class KvLeaseTest {

  private KvStateMachine kv;
  private final List<KvEvent> events = new ArrayList<>();
  private final List<String> leaseNews = new ArrayList<>();

  @BeforeEach
  void observe() {
    kv = new KvStateMachine();
    kv.observe(observer());
  }

  private KvObserver observer() {
    return new KvObserver() {
      @Override
      public void changed(KvEvent event) {
        events.add(event);
      }

      @Override
      public void leaseGranted(long lease, long ttlMs, long term) {
        leaseNews.add("granted " + lease + " ttl " + ttlMs + " term " + term);
      }

      @Override
      public void leaseEnded(long lease, boolean expired) {
        leaseNews.add((expired ? "expired " : "revoked ") + lease);
      }
    };
  }

  @Test
  void aGrantedLeaseIsNamedByItsEntryIndex() {
    put("x", "1");
    KvResult granted = apply(new Grant(5_000, null));
    assertThat(granted.isOk()).isTrue();
    assertThat(granted.lease()).isEqualTo(2);
    assertThat(granted.ttlMs()).isEqualTo(5_000);
    assertThat(granted.revision()).isEqualTo(1); // a grant changes no key
    assertThat(kv.lease(2, 10)).get().satisfies(l -> {
      assertThat(l.ttlMs()).isEqualTo(5_000);
      assertThat(l.keyCount()).isZero();
    });
    assertThat(leaseNews).containsExactly("granted 2 ttl 5000 term 1");
  }

  @Test
  void revokingDeletesEveryAttachedKeyEachWithItsOwnRevision() {
    long lease = apply(new Grant(1_000, null)).lease();
    putWithLease("b", "2", lease);
    putWithLease("a", "1", lease);
    put("c", "3");
    KvResult revoked = apply(new Revoke(lease, false, null));
    assertThat(revoked.isOk()).isTrue();
    assertThat(revoked.deletedKeys()).isEqualTo(2);
    assertThat(revoked.revision()).isEqualTo(5);
    assertThat(kv.get("a")).isEmpty();
    assertThat(kv.get("b")).isEmpty();
    assertThat(kv.get("c")).isPresent();
    assertThat(kv.hasLease(lease)).isFalse();
    assertThat(events).extracting(e -> e.type() + " " + e.key() + "@" + e.revision()
        + " prev " + e.prevRevision() + " lease " + e.lease())
        .containsExactly("PUT b@1 prev 0 lease 1", "PUT a@2 prev 0 lease 1",
            "PUT c@3 prev 0 lease 0", "DELETE a@4 prev 2 lease 1", "DELETE b@5 prev 1 lease 1");
    assertThat(leaseNews).containsExactly("granted 1 ttl 1000 term 1", "revoked 1");
  }

  @Test
  void anExpiryIsARevokeTheLeaderProposed() {
    long lease = apply(new Grant(1_000, null)).lease();
    putWithLease("k", "v", lease);
    assertThat(apply(new Revoke(lease, true, null)).deletedKeys()).isEqualTo(1);
    assertThat(leaseNews).endsWith("expired 1");
    assertThatThrownBy(() -> new Revoke(lease, true, "id-1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aPutWithoutTheLeaseDetachesTheKeyAndAnotherLeaseMovesIt() {
    long first = apply(new Grant(1_000, null)).lease();
    long second = apply(new Grant(1_000, null)).lease();
    putWithLease("k", "v1", first);
    putWithLease("k", "v2", second);
    assertThat(kv.lease(first, 10).orElseThrow().keys()).isEmpty();
    assertThat(kv.lease(second, 10).orElseThrow().keys()).containsExactly("k");
    put("k", "v3");
    assertThat(kv.lease(second, 10).orElseThrow().keyCount()).isZero();
    assertThat(apply(new Revoke(second, false, null)).deletedKeys()).isZero();
    assertThat(kv.get("k").orElseThrow().value()).isEqualTo(bytes("v3"));
  }

  @Test
  void aDeletedKeyLeavesItsLease() {
    long lease = apply(new Grant(1_000, null)).lease();
    putWithLease("k", "v", lease);
    apply(new Delete("k"));
    assertThat(kv.lease(lease, 10).orElseThrow().keyCount()).isZero();
    putWithLease("k", "again", lease);
    assertThat(kv.get("k").orElseThrow().lease()).isEqualTo(lease);
  }

  @Test
  void anUnknownLeaseChangesNothing() {
    KvResult put = apply(new Put("k", bytes("v"), KvCommand.ANY_REVISION, null, 99));
    assertThat(put.status()).isEqualTo(KvResult.Status.LEASE_NOT_FOUND);
    assertThat(put.lease()).isEqualTo(99);
    assertThat(kv.get("k")).isEmpty();
    assertThat(kv.revision()).isZero();
    assertThat(apply(new Revoke(99, false, null)).status())
        .isEqualTo(KvResult.Status.LEASE_NOT_FOUND);
    assertThat(events).isEmpty();
  }

  @Test
  void theLeaseIsCheckedBeforeTheCondition() {
    put("k", "v");
    KvResult put = apply(new Put("k", bytes("w"), KvCommand.IF_ABSENT, null, 42));
    assertThat(put.status()).isEqualTo(KvResult.Status.LEASE_NOT_FOUND);
  }

  @Test
  void aRetriedGrantGetsTheFirstLease() {
    KvResult first = applyStamped(new Grant(3_000, "grant-1"));
    KvResult again = applyStamped(new Grant(3_000, "grant-1"));
    assertThat(again).isEqualTo(first);
    assertThat(kv.leaseCount()).isEqualTo(1);
    assertThat(applyStamped(new Grant(4_000, "grant-1")).status())
        .isEqualTo(KvResult.Status.REQUEST_ID_REUSED);
  }

  @Test
  void leasesAndTheirKeysSurviveASnapshot() throws IOException {
    long lease = apply(new Grant(2_500, null)).lease();
    putWithLease("a", "1", lease);
    putWithLease("b", "2", lease);
    put("c", "3");
    applyStamped(new Grant(7_000, "g-2"));
    byte[] bytes = kv.snapshotView().toBytes(new SnapshotMeta(kv.appliedIndex(), 1));
    KvStateMachine back = KvSnapshot.readFrom(new ByteArrayInputStream(bytes)).store();
    assertThat(back.digest()).isEqualTo(kv.digest());
    assertThat(back.lease(lease, 10).orElseThrow().keys()).containsExactly("a", "b");
    assertThat(back.get("a").orElseThrow().lease()).isEqualTo(lease);
    // the restored store goes on as the original does
    Entry revoke = new Entry(kv.appliedIndex() + 1, 1, new Revoke(lease, true, null).encode());
    assertThat(back.apply(revoke)).isEqualTo(kv.apply(revoke));
    assertThat(back.digest()).isEqualTo(kv.digest());
  }

  @Test
  void aSnapshotKeyNamingAnUnknownLeaseIsDamage() {
    long lease = apply(new Grant(2_500, null)).lease();
    putWithLease("a", "1", lease);
    String text = new String(kv.snapshotView().toBytes(new SnapshotMeta(2, 1)),
        StandardCharsets.UTF_8);
    assertThat(text).contains("{\"key\":\"a\",\"value\":\"MQ==\",\"create\":1,\"mod\":1,"
        + "\"version\":1,\"lease\":1}").contains("{\"lease\":1,\"ttlMs\":2500}");
  }

  @Test
  void leaseCommandsSurviveTheirJson() {
    for (KvCommand c : List.of(new Grant(10, null), new Grant(10, "id"),
        new Revoke(3, false, "x"), new Revoke(3, true, null),
        new Put("k", bytes("v"), 4, "i", 7))) {
      assertThat(KvCommand.decode(c.encode())).isEqualTo(c);
    }
    assertThat(new Put("k", bytes("v"), -1, null, 7).fingerprint())
        .isNotEqualTo(new Put("k", bytes("v")).fingerprint());
    for (String bad : List.of("{\"op\":\"grant\"}", "{\"op\":\"grant\",\"ttl\":0}",
        "{\"op\":\"grant\",\"ttl\":5,\"key\":\"k\"}", "{\"op\":\"revoke\"}",
        "{\"op\":\"revoke\",\"lease\":1,\"expired\":\"yes\"}",
        "{\"op\":\"delete\",\"key\":\"k\",\"lease\":3}",
        "{\"op\":\"put\",\"key\":\"k\",\"value\":\"\",\"ttl\":3}")) {
      assertThatThrownBy(() -> KvCommand.decode(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  // ---- helpers

  private KvResult apply(KvCommand command) {
    return kv.apply(new Entry(kv.appliedIndex() + 1, 1, command.encode()));
  }

  private KvResult applyStamped(KvCommand command) {
    String stamped = LoggedCommand.stamp(command, 1_700_000_000_000L, 60_000).encode();
    return kv.apply(new Entry(kv.appliedIndex() + 1, 1, stamped));
  }

  private void put(String key, String value) {
    apply(new Put(key, bytes(value)));
  }

  private void putWithLease(String key, String value, long lease) {
    assertThat(apply(new Put(key, bytes(value), KvCommand.ANY_REVISION, null, lease)).isOk())
        .isTrue();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
