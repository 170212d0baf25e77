package raftkv.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/**
 * The process {@link KillChildJvmTest} kills: appends batches to a {@link FileRaftStorage}
 * forever, syncing each, and prints {@code durable <index>} once an index is synced. Every entry's
 * content is a function of its index ({@link #expected}), so the parent can check what it finds.
 * Every tenth batch is partly rewritten before its sync, to exercise truncation (of entries
 * not yet reported durable: truncating a synced entry is meant to lose it).
 *
 * <p>Usage: {@code AppendingChild <data dir>}
 */
public final class AppendingChild {

  static final StorageOptions OPTIONS = StorageOptions.defaults().withSegmentSizeBytes(64 * 1024);

  private AppendingChild() {}

  /** The entry every run writes at {@code index}. */
  static Entry expected(long index) {
    return new Entry(index, 1 + index / 500, "cmd-" + index + "-" + "x".repeat((int) (index % 50)));
  }

  /** The hard state the child saves once its log reaches {@code lastIndex}. */
  static HardState hardStateAt(long lastIndex) {
    return new HardState(1 + lastIndex / 500, 1, lastIndex);
  }

  public static void main(String[] args) throws IOException {
    SplittableRandom random = new SplittableRandom();
    try (FileRaftStorage storage = FileRaftStorage.open(Path.of(args[0]), OPTIONS)) {
      storage.load();
      for (long batchNo = 0; ; batchNo++) {
        long last = storage.lastIndex();
        long end = last + 1 + random.nextInt(64);
        storage.append(batch(last + 1, end));
        if (batchNo % 10 == 9) {
          // rewrite part of the unsynced batch: truncates entries never reported durable
          storage.append(batch(last + 1 + (end - last) / 2, end + 3));
        }
        if (batchNo % 50 == 49) storage.saveHardState(hardStateAt(last));
        storage.sync();
        System.out.println("durable " + storage.lastIndex());
        System.out.flush();
      }
    }
  }

  private static List<Entry> batch(long from, long to) {
    List<Entry> batch = new ArrayList<>();
    for (long i = from; i <= to; i++) batch.add(expected(i));
    return batch;
  }
}
