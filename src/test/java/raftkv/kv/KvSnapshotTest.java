package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Put;
import raftkv.raft.Entry;

class KvSnapshotTest {

  private final KvStateMachine kv = new KvStateMachine();

  @Test
  void aRestoredStoreHasTheSameContentAndAppliedIndex() {
    byte[] everyByte = new byte[256];
    for (int i = 0; i < everyByte.length; i++) everyByte[i] = (byte) i;
    apply(new Put("bin/😀", everyByte));
    apply(new Put("a", bytes("1"), KvCommand.IF_ABSENT, "req-1"));
    apply(new Put("a", bytes("2"), 5, "req-2"));
    apply(new Delete("gone"));
    kv.apply(Entry.noop(5, 2));

    KvStateMachine restored = KvStateMachine.restore(kv.snapshot());

    assertThat(restored.digest()).isEqualTo(kv.digest());
    assertThat(restored.appliedIndex()).isEqualTo(5);
    assertThat(restored.revision()).isEqualTo(2);
    assertThat(restored.range("", 10)).isEqualTo(kv.range("", 10));
    assertThat(restored.requestIdCount()).isEqualTo(2);
  }

  @Test
  void aRestoredStoreStillAnswersRetriesWithTheirFirstResult() {
    Put createOnce = new Put("lock", bytes("me"), KvCommand.IF_ABSENT, "req-1");
    apply(createOnce);
    KvStateMachine restored = KvStateMachine.restore(kv.snapshot());

    KvResult retry = restored.apply(new Entry(2, 1, createOnce.encode()));

    assertThat(retry).isEqualTo(KvResult.put(1));
    assertThat(restored.revision()).isEqualTo(1);
  }

  @Test
  void anEmptyStoreRoundTrips() {
    KvStateMachine restored = KvStateMachine.restore(kv.snapshot());

    assertThat(restored.digest()).isEqualTo(kv.digest());
    assertThat(restored.appliedIndex()).isZero();
    assertThat(restored.size()).isZero();
  }

  @Test
  void aRestoredStoreForgetsEachIdAtTheSameEntryAsTheOriginal() {
    for (int i = 1; i <= 3; i++) {
      kv.apply(new Entry(i, 1, LoggedCommand.stamp(new Put("k", bytes("v" + i), -1, "req-" + i),
          1_000 * i, i == 2 ? 500 : 10_000).encode()));
    }
    KvStateMachine restored = KvStateMachine.restore(kv.snapshot());
    assertThat(restored.logClockMs()).isEqualTo(3_000);

    Entry later = new Entry(4, 1,
        LoggedCommand.stamp(new Put("k", bytes("v1"), -1, "req-1"), 11_000, 10_000).encode());

    assertThat(restored.apply(later)).isEqualTo(kv.apply(later)).isEqualTo(KvResult.put(4));
    assertThat(restored.digest()).isEqualTo(kv.digest());
    assertThat(restored.remembersRequestId("req-3")).isTrue();
    assertThat(restored.remembersRequestId("req-2")).isFalse();
  }

  @Test
  void damagedSnapshotsAreRejectedWithAReason() {
    apply(new Put("a", bytes("value")));
    byte[] snapshot = kv.snapshot();

    byte[] flipped = snapshot.clone();
    flipped[20] ^= 1;
    byte[] truncated = Arrays.copyOf(snapshot, snapshot.length - 1);

    assertThatThrownBy(() -> KvStateMachine.restore(flipped))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an intact KV snapshot: its checksum does not match");
    assertThatThrownBy(() -> KvStateMachine.restore(truncated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an intact KV snapshot");
    assertThatThrownBy(() -> KvStateMachine.restore(new byte[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an intact KV snapshot: it is too short");
    assertThatThrownBy(() -> KvStateMachine.restore(bytes("{\"not\": \"a snapshot\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an intact KV snapshot");
  }

  private void apply(KvCommand command) {
    kv.apply(new Entry(kv.appliedIndex() + 1, 1, command.encode()));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
