package raftkv.node;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.kv.KvSnapshot;
import raftkv.kv.KvStateMachine;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.SnapshotMeta;
import raftkv.storage.CorruptSnapshotException;
import raftkv.storage.FileRaftStorage;
import raftkv.storage.LogAfterSnapshot;
import raftkv.storage.Recovered;
import raftkv.storage.SnapshotFiles;

/**
 * At start, on a worker: loads the newest intact snapshot into a state machine and fits the
 * recovered log to it ({@link LogAfterSnapshot}). A damaged snapshot is renamed aside (to
 * {@code .damaged}, kept for inspection) with a warning, and the one before it is tried.
 */
final class SnapshotRecovery {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotRecovery.class);

  /** The state machine, the snapshot it came from, and the log entries to rebuild the core. */
  record Result(KvStateMachine kv, SnapshotMeta snapshot, long snapshotBytes,
      HardState hardState, List<Entry> entries) {}

  private SnapshotRecovery() {}

  static Result recover(FileRaftStorage storage, Recovered recovered) throws IOException {
    String problem = null;
    for (Path file : storage.snapshots().newestFirst()) {
      long started = System.nanoTime();
      KvSnapshot.Loaded loaded;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
        loaded = KvSnapshot.readFrom(in);
        long named = SnapshotFiles.indexOf(file).orElseThrow();
        if (loaded.header().meta().index() != named) {
          throw new CorruptSnapshotException("its header says index "
              + loaded.header().meta().index() + ", its name " + named);
        }
      } catch (CorruptSnapshotException e) {
        String what = file.getFileName() + " is damaged (" + e.getMessage() + ")";
        LOG.warn("{}; setting it aside as {}.damaged and trying the snapshot before it", what,
            file.getFileName());
        Files.move(file, file.resolveSibling(file.getFileName() + ".damaged"));
        problem = problem == null ? what : problem + "; " + what;
        continue;
      }
      SnapshotMeta meta = loaded.header().meta();
      LOG.info("loaded the {} ({} keys) from {} in {} ms", meta, loaded.store().size(),
          file.getFileName(), (System.nanoTime() - started) / 1_000_000);
      if (problem != null) LOG.warn("fell back to the {}: {}", meta, problem);
      List<Entry> entries = LogAfterSnapshot.reconcile(storage, recovered, meta, problem);
      return new Result(loaded.store(), meta, Files.size(file), recovered.hardState(), entries);
    }
    List<Entry> entries =
        LogAfterSnapshot.reconcile(storage, recovered, SnapshotMeta.NONE, problem);
    return new Result(new KvStateMachine(), SnapshotMeta.NONE, 0, recovered.hardState(),
        entries);
  }
}
