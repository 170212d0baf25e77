package raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.kv.KvCommand;
import raftkv.kv.KvStateMachine;
import raftkv.raft.Entry;
import raftkv.raft.InstallSnapshot;
import raftkv.raft.SnapshotMeta;
import raftkv.storage.SnapshotFiles;
import raftkv.transport.SnapshotChunk;

/** The follower's end of a transfer: pieces in order, resuming, checking, handing over. */
class SnapshotReceiverTest {

  private static final SnapshotMeta META = new SnapshotMeta(40, 2);

  @TempDir Path dir;
  private Vertx vertx;
  private final List<InstallSnapshot> delivered = new ArrayList<>();
  private final List<KvStateMachine> installed = new ArrayList<>();
  private long term = 2;
  private byte[] snapshot;
  private String digest;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    KvStateMachine kv = new KvStateMachine();
    for (int i = 1; i <= 40; i++) {
      kv.apply(new Entry(i, 2, new KvCommand.Put("key-" + (i % 17),
          ("value " + i).getBytes(StandardCharsets.UTF_8)).encode()));
    }
    snapshot = kv.snapshotView().toBytes(META);
    digest = kv.digest();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private SnapshotReceiver receiver() {
    SnapshotReceiver[] self = {null};
    self[0] = new SnapshotReceiver(vertx, 2, new SnapshotFiles(dir), () -> term, message -> {
      delivered.add(message);
      SnapshotReceiver.Prepared p = self[0].takePrepared(message.snapshot()); // the core installs
      if (p != null) installed.add(p.loaded().store());
      return true;
    });
    return self[0];
  }

  private long send(SnapshotReceiver r, long offset, int length, boolean last) throws Exception {
    byte[] piece = Arrays.copyOfRange(snapshot, (int) offset, (int) offset + length);
    return send(r, offset, piece, last);
  }

  private long send(SnapshotReceiver r, long offset, byte[] piece, boolean last)
      throws Exception {
    return r.chunk(new SnapshotChunk(1, 2, 2, META, offset, last), Buffer.buffer(piece))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void piecesInOrderBecomeASnapshotThatTheCoreIsHanded() throws Exception {
    SnapshotReceiver r = receiver();
    int third = snapshot.length / 3;
    assertThat(send(r, 0, third, false)).isEqualTo(third);
    assertThat(send(r, third, third, false)).isEqualTo(2L * third);
    assertThat(delivered).isEmpty();
    assertThat(send(r, 2L * third, snapshot.length - 2 * third, true)).isEqualTo(snapshot.length);

    assertThat(delivered).singleElement().satisfies(m -> {
      assertThat(m.snapshot()).isEqualTo(META);
      assertThat(m.from()).isEqualTo(1);
      assertThat(m.term()).isEqualTo(2);
    });
    assertThat(installed).singleElement()
        .satisfies(kv -> assertThat(kv.digest()).isEqualTo(digest));
    assertThat(Files.readAllBytes(new SnapshotFiles(dir).pathOf(40))).isEqualTo(snapshot);
    assertThat(new SnapshotFiles(dir).partialOf(META)).doesNotExist();
  }

  @Test
  void aPieceThatDoesNotStartWhereTheFileEndsIsAnsweredWithTheFileSize() throws Exception {
    SnapshotReceiver r = receiver();
    send(r, 0, 100, false);
    assertThat(send(r, 300, 100, false)).as("a gap").isEqualTo(100);
    assertThat(send(r, 0, 100, false)).as("a repeat").isEqualTo(100);
    assertThat(Files.size(new SnapshotFiles(dir).partialOf(META))).isEqualTo(100);
  }

  @Test
  void aTransferResumesAfterTheReceiverRestarts() throws Exception {
    send(receiver(), 0, 200, false);

    SnapshotReceiver restarted = receiver();
    assertThat(send(restarted, 0, 200, false)).as("where the partial file ends").isEqualTo(200);
    send(restarted, 200, snapshot.length - 200, true);

    assertThat(installed).singleElement()
        .satisfies(kv -> assertThat(kv.digest()).isEqualTo(digest));
  }

  @Test
  void aDamagedTransferIsRefusedAndStartsOver() throws Exception {
    SnapshotReceiver r = receiver();
    byte[] damaged = snapshot.clone();
    damaged[damaged.length / 2] ^= 0x01;
    assertThatThrownBy(() -> send(r, 0, damaged, true)).hasMessageContaining("damaged");
    assertThat(delivered).isEmpty();
    assertThat(new SnapshotFiles(dir).newestFirst()).isEmpty();

    assertThat(send(r, 0, snapshot.length, true)).isEqualTo(snapshot.length);
    assertThat(installed).hasSize(1);
  }

  @Test
  void aPieceFromAnOlderTermIsRefused() {
    term = 3;
    SnapshotReceiver r = receiver();
    assertThatThrownBy(() -> send(r, 0, 100, false)).hasMessageContaining("term 3");
    assertThat(new SnapshotFiles(dir).partialOf(META)).doesNotExist();
  }
}
