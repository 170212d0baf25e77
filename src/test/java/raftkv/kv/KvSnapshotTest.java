package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Put;
import raftkv.raft.Entry;
import raftkv.raft.SnapshotMeta;
import raftkv.storage.CorruptSnapshotException;

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

    KvStateMachine restored = roundTrip(kv);

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
    KvStateMachine restored = roundTrip(kv);

    KvResult retry = restored.apply(new Entry(2, 1, createOnce.encode()));

    assertThat(retry).isEqualTo(KvResult.put(1));
    assertThat(restored.revision()).isEqualTo(1);
  }

  @Test
  void anEmptyStoreRoundTrips() {
    KvStateMachine restored = roundTrip(kv);

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
    KvStateMachine restored = roundTrip(kv);
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
    byte[] snapshot = toBytes(kv);

    byte[] flipped = snapshot.clone();
    int valueAt = new String(snapshot, StandardCharsets.UTF_8).indexOf("dmFsdWU="); // "value"
    flipped[valueAt] ^= 1;
    byte[] truncated = Arrays.copyOf(snapshot, snapshot.length - 1);
    byte[] trailerCut = Arrays.copyOf(snapshot, new String(snapshot, StandardCharsets.UTF_8)
        .indexOf("{\"type\":\"trailer\""));

    assertThatThrownBy(() -> read(flipped))
        .isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("checksum mismatch");
    assertThatThrownBy(() -> read(truncated))
        .isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("cut short");
    assertThatThrownBy(() -> read(trailerCut))
        .isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("without a trailer");
    assertThatThrownBy(() -> read(new byte[0]))
        .isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> read(bytes("{\"not\": \"a snapshot\"}\n")))
        .isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("header");
  }

  @Test
  void everyLineIsAJsonObjectAndTheHeaderSaysWhereTheSnapshotEnds() throws Exception {
    apply(new Put("a", bytes("v"), KvCommand.IF_ABSENT, "req-1"));
    apply(new Put("b\nc", bytes("w")));
    String[] lines = new String(toBytes(kv), StandardCharsets.UTF_8).split("\n");

    assertThat(lines).hasSize(5); // header, two keys, one request id, trailer
    ObjectMapper json = new ObjectMapper();
    for (String line : lines) assertThat(json.readTree(line).isObject()).isTrue();
    JsonNode header = json.readTree(lines[0]);
    assertThat(header.get("type").asText()).isEqualTo("header");
    assertThat(header.get("index").asLong()).isEqualTo(2);
    assertThat(header.get("revision").asLong()).isEqualTo(2);
    assertThat(json.readTree(lines[2]).get("key").asText()).isEqualTo("b\nc");
    assertThat(json.readTree(lines[3]).get("requestId").asText()).isEqualTo("req-1");
    assertThat(json.readTree(lines[4]).get("lines").asLong()).isEqualTo(3);
  }

  @Test
  void aViewStaysAsItWasWhileTheStoreGoesOn() {
    apply(new Put("a", bytes("1")));
    apply(new Put("b", bytes("2")));
    KvSnapshot view = kv.snapshotView();
    String digestThen = kv.digest();

    apply(new Put("a", bytes("changed")));
    apply(new Delete("b"));
    apply(new Put("c", bytes("new")));

    KvStateMachine fromView = read(view.toBytes(new SnapshotMeta(2, 1)));
    assertThat(fromView.digest()).isEqualTo(digestThen).isNotEqualTo(kv.digest());
    assertThat(fromView.get("a").orElseThrow().value()).isEqualTo(bytes("1"));
    assertThat(fromView.get("c")).isEmpty();
    assertThat(fromView.appliedIndex()).isEqualTo(2);
  }

  @Test
  void keysThatNeedEscapingReadBackTheSame() {
    String[] keys = {"quote\"d", "back\\slash", "new\nline", "tab\tand\u0001", "é😀/ü", "",
        "plain/key"};
    for (String key : keys) {
      if (!key.isEmpty()) apply(new Put(key, bytes("v-" + key)));
    }
    KvStateMachine restored = roundTrip(kv);
    assertThat(restored.digest()).isEqualTo(kv.digest());
    for (String key : keys) {
      if (!key.isEmpty()) assertThat(restored.get(key)).isEqualTo(kv.get(key)).isPresent();
    }
  }

  @Test
  void aPlainKeyLineAndTheSameLineInAnotherFormReadTheSame() {
    String plain = "{\"key\":\"k\",\"value\":\"dg==\",\"create\":1,\"mod\":2,\"version\":2}";
    KeyValue fast = KeyLines.decode(bytes(plain), 0, plain.length());
    assertThat(fast).isEqualTo(new KeyValue("k", bytes("v"), 1, 2, 2));
    for (String other : new String[] {
        "{\"key\":\"k\", \"value\":\"dg==\",\"create\":1,\"mod\":2,\"version\":2}",
        "{\"key\":\"k\",\"value\":\"dg==\",\"create\":01,\"mod\":2,\"version\":2}",
        "{\"key\":\"k\",\"value\":\"dg==\",\"create\":1,\"mod\":2,\"version\":2} ",
        "{\"key\":\"k\\u0041\",\"value\":\"dg==\",\"create\":1,\"mod\":2,\"version\":2}"}) {
      assertThat(KeyLines.decode(bytes(other), 0, other.length())).as(other).isNull();
    }
  }

  /** The store written as a snapshot at its applied index and read back. */
  static KvStateMachine roundTrip(KvStateMachine kv) {
    return read(toBytes(kv));
  }

  static byte[] toBytes(KvStateMachine kv) {
    long index = kv.appliedIndex();
    return kv.snapshotView().toBytes(new SnapshotMeta(index, index == 0 ? 0 : 1));
  }

  static KvStateMachine read(byte[] bytes) {
    try {
      return KvSnapshot.readFrom(new ByteArrayInputStream(bytes)).store();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void apply(KvCommand command) {
    kv.apply(new Entry(kv.appliedIndex() + 1, 1, command.encode()));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
