package raftkv.node;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.kv.KvSnapshot;
import raftkv.raft.InstallSnapshot;
import raftkv.raft.SnapshotMeta;
import raftkv.storage.CorruptSnapshotException;
import raftkv.storage.SnapshotFiles;
import raftkv.transport.RaftRpcServer;
import raftkv.transport.SnapshotChunk;

/**
 * The follower's end of a snapshot transfer. Pieces are written to the snapshot's {@code
 * .partial} file at their offset (one transfer at a time; a newer snapshot replaces an older
 * one's partial file). A piece that does not start where the file ends is answered with the
 * file's size, so the leader resumes there, also after a restart of either side.
 *
 * <p>After the last piece, a worker reads the whole file back into a state machine, which
 * checks its checksum and counts; only then is it switched in as a complete snapshot file and
 * the InstallSnapshot handed to the core. The core may still refuse it (it is older than what
 * this node has committed); if it accepts, {@link #takePrepared} gives the state machine to
 * install, so installing costs the event loop nothing.
 *
 * <p>Confined to the node's event loop; file work runs on a worker of its own.
 */
final class SnapshotReceiver implements RaftRpcServer.SnapshotInbox {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);

  /** The state machine read from a received snapshot, and the file's size. */
  record Prepared(SnapshotMeta meta, KvSnapshot.Loaded loaded, long bytes) {}

  /** Where a received snapshot goes once it is complete: to the core, as a message. */
  interface Deliver {
    /**
     * Hands the message to the core, which installs the snapshot ({@link #takePrepared}) before
     * this returns if it takes it. False if the node cannot take it now (halted, stopping).
     */
    boolean deliver(InstallSnapshot message);
  }

  private final int nodeId;
  private final SnapshotFiles files;
  private final FileWorker worker;
  private final LongSupplier currentTerm;
  private final Deliver deliver;
  private SnapshotMeta receiving;
  private long size;
  private boolean busy;
  private Prepared prepared;
  private long received;

  SnapshotReceiver(Vertx vertx, int nodeId, SnapshotFiles files, LongSupplier currentTerm,
      Deliver deliver) {
    this.nodeId = nodeId;
    this.files = files;
    this.worker = new FileWorker(vertx, "snapshot-in-" + nodeId);
    this.currentTerm = currentTerm;
    this.deliver = deliver;
  }

  @Override
  public Future<Long> chunk(SnapshotChunk chunk, Buffer data) {
    if (chunk.term() < currentTerm.getAsLong()) {
      return Future.failedFuture(new IllegalStateException("node " + nodeId + " is in term "
          + currentTerm.getAsLong() + ", this snapshot comes from term " + chunk.term()));
    }
    if (busy) {
      return Future.failedFuture(new IllegalStateException("node " + nodeId
          + " is still writing the previous piece"));
    }
    busy = true;
    SnapshotMeta meta = chunk.snapshot();
    Future<Long> written = worker.run(() -> write(chunk, data));
    return written.compose(next -> {
      if (!chunk.last() || next != chunk.offset() + data.length()) return Future.succeededFuture(next);
      return worker.run(() -> complete(meta))
          .map(p -> {
            prepared = p;
            received++;
            receiving = null;
            size = 0;
            // the file's header also gives the configuration as of the snapshot's end
            deliver.deliver(new InstallSnapshot(chunk.from(), nodeId, chunk.term(), p.meta()));
            prepared = null; // installed by now, or not taken: either way not held
            return next;
          });
    }).andThen(done -> busy = false);
  }

  /** On the worker: appends the piece if it starts where the partial file ends. */
  private long write(SnapshotChunk chunk, Buffer data) throws IOException {
    SnapshotMeta meta = chunk.snapshot();
    Path partial = files.partialOf(meta);
    if (!meta.equals(receiving)) {
      files.deletePartialsExcept(meta);
      receiving = meta;
      size = Files.exists(partial) ? Files.size(partial) : 0;
      if (size > 0) LOG.info("node {}: resuming the {} at byte {}", nodeId, meta, size);
    }
    if (chunk.offset() != size) return size;
    try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      ByteBuffer bytes = ByteBuffer.wrap(data.getBytes());
      while (bytes.hasRemaining()) ch.write(bytes, size + bytes.position());
    }
    size += data.length();
    return size;
  }

  /** On the worker: reads the whole file back, then switches it in as a complete snapshot. */
  private Prepared complete(SnapshotMeta meta) throws IOException {
    Path partial = files.partialOf(meta);
    KvSnapshot.Loaded loaded;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(partial), 1 << 16)) {
      loaded = KvSnapshot.readFrom(in);
    } catch (CorruptSnapshotException e) {
      Files.deleteIfExists(partial);
      receiving = null;
      throw new IOException("the received " + meta + " is damaged (" + e.getMessage()
          + "); send it again from the start", e);
    }
    SnapshotMeta held = loaded.header().meta();
    if (held.index() != meta.index() || held.term() != meta.term()) {
      Files.deleteIfExists(partial);
      receiving = null;
      throw new IOException("the received file holds the " + loaded.header().meta()
          + ", not the " + meta);
    }
    long bytes = Files.size(partial);
    files.completeReceived(meta);
    LOG.info("node {}: received the {} ({} keys, {} bytes)", nodeId, meta,
        loaded.store().size(), bytes);
    return new Prepared(held, loaded, bytes);
  }

  /** Forgets a prepared state the core did not install. */
  void dropPrepared() {
    prepared = null;
  }

  /** The state machine prepared for {@code meta}, once; null if there is none. */
  Prepared takePrepared(SnapshotMeta meta) {
    Prepared p = prepared;
    if (p == null || !p.meta().equals(meta)) return null;
    prepared = null;
    return p;
  }

  long received() {
    return received;
  }

  Future<Void> close() {
    return worker.close();
  }
}
