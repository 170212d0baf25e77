package raftkv.node;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig;
import raftkv.kv.KvSnapshot;
import raftkv.raft.Entry;
import raftkv.raft.SnapshotMeta;
import raftkv.storage.SnapshotFiles;

/**
 * Decides when a node snapshots its state machine, and writes the snapshot on a worker of its
 * own: every {@code intervalEntries} entries or {@code intervalBytes} of commands applied,
 * whichever comes first, one snapshot at a time. The event loop only hands over a {@link
 * KvSnapshot} view, which costs O(1); the worker writes it while the loop goes on applying.
 *
 * <p>Confined to the node's event loop, apart from the write itself.
 */
final class Snapshotter {

  private static final Logger LOG = LoggerFactory.getLogger(Snapshotter.class);

  private final int nodeId;
  private final SnapshotFiles files;
  private final NodeConfig.Snapshots settings;
  private final FileWorker worker;
  private SnapshotMeta latest;
  private long latestBytes;
  private long bytesSinceLatest;
  private boolean writing;
  private long taken;

  Snapshotter(Vertx vertx, int nodeId, SnapshotFiles files, NodeConfig.Snapshots settings,
      SnapshotMeta recovered, long recoveredBytes) {
    this.nodeId = nodeId;
    this.files = files;
    this.settings = settings;
    this.worker = new FileWorker(vertx, "snapshot-" + nodeId);
    this.latest = recovered;
    this.latestBytes = recoveredBytes;
  }

  /** Counts an applied entry towards the next snapshot. */
  void applied(Entry entry) {
    bytesSinceLatest += entry.command().length();
  }

  /** Whether a snapshot at {@code appliedIndex} is due and none is being written. */
  boolean due(long appliedIndex) {
    if (writing || appliedIndex <= latest.index()) return false;
    return appliedIndex - latest.index() >= settings.intervalEntries()
        || bytesSinceLatest >= settings.intervalBytes();
  }

  /**
   * Writes {@code view} as the snapshot {@code meta} on the worker; the future completes on the
   * caller's context once it is durable.
   */
  Future<Long> take(KvSnapshot view, SnapshotMeta meta) {
    writing = true;
    long started = System.nanoTime();
    bytesSinceLatest = 0;
    return worker.run(() -> files.write(meta.index(), out -> view.writeTo(out, meta)))
        .andThen(done -> {
          writing = false;
          if (done.failed()) {
            LOG.error("node {}: writing the {} failed; the log is kept whole until a later one"
                + " succeeds. Check the disk under {}", nodeId, meta, files.dir(), done.cause());
            return;
          }
          if (meta.index() <= latest.index()) return; // one installed from the leader is newer
          latest = meta;
          latestBytes = done.result();
          taken++;
          onTaken.taken(System.nanoTime() - started, latestBytes);
          LOG.info("node {}: took the {} ({} keys, {} bytes) in {} ms", nodeId, meta, view.keys(),
              latestBytes, (System.nanoTime() - started) / 1_000_000);
        });
  }

  /** Told of each snapshot taken here, once it is durable (for metrics). */
  interface TakenObserver {
    void taken(long nanos, long bytes);
  }

  private TakenObserver onTaken = (nanos, bytes) -> { };

  void onTaken(TakenObserver observer) {
    this.onTaken = observer;
  }

  /** A snapshot from the leader was installed: it is the latest now. */
  void installed(SnapshotMeta meta, long bytes) {
    latest = meta;
    latestBytes = bytes;
    bytesSinceLatest = 0;
  }

  SnapshotMeta latest() {
    return latest;
  }

  long latestBytes() {
    return latestBytes;
  }

  /** Whether a snapshot is being written right now. */
  boolean writing() {
    return writing;
  }

  long taken() {
    return taken;
  }

  /** Where the log may be compacted to once {@code snapshot} is durable. */
  long compactionPoint(SnapshotMeta snapshot) {
    return Math.max(1, snapshot.index() - settings.logMarginEntries() + 1);
  }

  /** Lets a snapshot being written finish (it is complete or absent on disk), then closes. */
  Future<Void> close() {
    return worker.close();
  }
}
