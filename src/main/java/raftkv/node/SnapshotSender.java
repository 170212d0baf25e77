package raftkv.node;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig;
import raftkv.raft.InstallSnapshot;
import raftkv.raft.SnapshotMeta;
import raftkv.storage.SnapshotFiles;
import raftkv.transport.SnapshotChunk;
import raftkv.transport.Transport;

/**
 * Streams snapshots to followers the leader's log can no longer serve: one transfer per
 * follower, read from the snapshot file in pieces of {@code chunkBytes} (never the whole file in
 * memory) and paced to {@code sendBytesPerSecond}, so replication to the other followers keeps
 * its share of the disk and network. The follower answers each piece with the offset it wants
 * next, so a transfer resumes after a lost piece or a restart of either side.
 *
 * <p>The outcome goes to the core ({@code report}): installed, or failed after a few retries (the
 * core then probes the follower again and asks for the latest snapshot if still needed).
 *
 * <p>Confined to the node's event loop; file reads are asynchronous.
 */
final class SnapshotSender {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);
  private static final int ATTEMPTS_PER_PIECE = 3;
  private static final long RETRY_DELAY_MS = 200;

  private final Vertx vertx;
  private final int nodeId;
  private final SnapshotFiles files;
  private final NodeConfig.Snapshots settings;
  private final Transport transport;
  private final BiConsumer<Integer, Boolean> report;
  private final Map<Integer, Transfer> transfers = new HashMap<>();
  private long completed;

  SnapshotSender(Vertx vertx, int nodeId, SnapshotFiles files, NodeConfig.Snapshots settings,
      Transport transport, BiConsumer<Integer, Boolean> report) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.files = files;
    this.settings = settings;
    this.transport = transport;
    this.report = report;
  }

  /** Starts sending {@code m}'s snapshot, unless the same one is already on its way there. */
  void send(InstallSnapshot m) {
    Transfer current = transfers.get(m.to());
    if (current != null && current.message.equals(m)) return;
    if (current != null) current.cancelled = true;
    Transfer transfer = new Transfer(m);
    transfers.put(m.to(), transfer);
    transfer.start();
  }

  /** Stops every transfer (the node steps down or stops); none is reported. */
  void cancelAll() {
    for (Transfer t : transfers.values()) t.cancelled = true;
    transfers.clear();
  }

  long completed() {
    return completed;
  }

  private final class Transfer {
    final InstallSnapshot message;
    final SnapshotMeta meta;
    final long startedNanos = System.nanoTime();
    AsyncFile file;
    long size;
    long offset;
    int failures;
    boolean cancelled;

    Transfer(InstallSnapshot message) {
      this.message = message;
      this.meta = message.snapshot();
    }

    void start() {
      String path = files.pathOf(meta.index()).toString();
      LOG.info("node {}: sending the {} to node {}", nodeId, meta, message.to());
      vertx.fileSystem().props(path)
          .compose(props -> {
            size = props.size();
            return vertx.fileSystem().open(path, new OpenOptions().setRead(true).setWrite(false));
          })
          .onSuccess(f -> {
            file = f;
            sendPiece();
          })
          .onFailure(e -> finish(false, "cannot read " + path + ": " + e.getMessage()));
    }

    private void sendPiece() {
      if (cancelled) {
        close();
        return;
      }
      int length = (int) Math.min(settings.chunkBytes(), size - offset);
      long pieceStarted = System.nanoTime();
      file.read(Buffer.buffer(length), 0, offset, length)
          .compose(data -> transport.sendSnapshotChunk(new SnapshotChunk(nodeId, message.to(),
              message.term(), meta, offset, offset + length >= size), data))
          .onSuccess(next -> {
            failures = 0;
            if (next >= size && offset + length >= size) {
              finish(true, null);
              return;
            }
            if (next > size) { // the follower holds more than this file: another snapshot's bytes
              finish(false, "node " + message.to() + " holds " + next + " bytes of a "
                  + size + "-byte snapshot");
              return;
            }
            offset = Math.min(next, size);
            pace(length, pieceStarted);
          })
          .onFailure(e -> {
            if (++failures >= ATTEMPTS_PER_PIECE) {
              finish(false, e.getMessage());
            } else {
              vertx.setTimer(RETRY_DELAY_MS * failures, id -> sendPiece());
            }
          });
    }

    /** Waits until {@code length} bytes took their share of {@code sendBytesPerSecond}. */
    private void pace(int length, long pieceStarted) {
      long dueNanos = length * 1_000_000_000L / settings.sendBytesPerSecond();
      long waitMs = (dueNanos - (System.nanoTime() - pieceStarted)) / 1_000_000;
      if (waitMs >= 1) {
        vertx.setTimer(waitMs, id -> sendPiece());
      } else {
        sendPiece();
      }
    }

    private void finish(boolean installed, String problem) {
      close();
      if (cancelled) return;
      transfers.remove(message.to(), this);
      long ms = (System.nanoTime() - startedNanos) / 1_000_000;
      if (installed) {
        completed++;
        LOG.info("node {}: sent the {} ({} bytes) to node {} in {} ms", nodeId, meta, size,
            message.to(), ms);
      } else {
        LOG.warn("node {}: sending the {} to node {} failed after {} ms: {}; it is retried when"
            + " the follower is probed again", nodeId, meta, message.to(), ms, problem);
      }
      report.accept(message.to(), installed);
    }

    private void close() {
      if (file != null) {
        file.close();
        file = null;
      }
    }
  }
}
