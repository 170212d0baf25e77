package raftkv.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import raftkv.raft.Entry;

/**
 * The write side of the segmented log: appends batches, cuts conflicting suffixes, rolls to a
 * new segment at the size limit, and syncs. Recovery ({@link WalRecovery}) hands it the segments
 * it read back.
 *
 * <p>Crash ordering. The recovery rule is strict (damage before the last record is an error),
 * so every write is ordered so that a crash at any point leaves a log that reads back as a
 * prefix of what was appended, possibly with one torn last record:
 * <ul>
 *   <li>a truncation is made durable before anything is written after it: otherwise the new,
 *       shorter data could land over a file whose old length survived, leaving the tail of an
 *       old record in the middle of the file;
 *   <li>whole segments are deleted newest first, each deletion synced before the next, so no
 *       crash leaves a gap between segments;
 *   <li>a full segment is synced before the next one is created, so a later segment never
 *       survives a crash that tore the end of an earlier one.
 * </ul>
 * Truncations and rolls are rare, so these extra fsyncs cost next to nothing; the hot path is
 * one write per batch and one fsync per {@link #sync()}.
 */
final class Wal implements AutoCloseable {

  private final Path dir;
  private final long segmentSizeBytes;
  private final List<WalSegment> segments;
  private final WalRecord.Encoder encoder = new WalRecord.Encoder();
  private long[] recordOffsets = new long[256];
  private boolean activeUnsynced;
  private boolean dirUnsynced;
  /** The last index when there are no segments: 0, or the snapshot the log was reset to. */
  private long emptyLastIndex;
  /** Bytes of records appended since the log was opened. */
  private long bytesAppended;
  /** Start a new segment at the next append: set by a compaction (see {@link #compact}). */
  private boolean rollRequested;

  /** Takes over the recovered segments, in index order; the last one becomes active. */
  Wal(Path dir, long segmentSizeBytes, List<WalSegment> recovered) throws IOException {
    this.dir = dir;
    this.segmentSizeBytes = segmentSizeBytes;
    this.segments = new ArrayList<>(recovered);
    if (!segments.isEmpty()) active().openForAppend();
  }

  long lastIndex() {
    return segments.isEmpty() ? emptyLastIndex : active().lastIndex();
  }

  /** The first index the segments hold (lastIndex() + 1 when they hold none). */
  long firstIndex() {
    return segments.isEmpty() ? emptyLastIndex + 1 : segments.get(0).firstIndex;
  }

  /**
   * Deletes the segments whose entries all lie before {@code keepFrom}, oldest first and each
   * deletion synced, so a crash leaves a contiguous log. The active segment always stays, but the
   * next append starts a new one: compactions follow snapshots, so the log on disk holds about
   * what came since the snapshot before last, whatever the segment size.
   *
   * @return how many segments were deleted
   */
  int compact(long keepFrom) throws IOException {
    rollRequested = true;
    int deleted = 0;
    while (segments.size() > 1 && segments.get(0).lastIndex() < keepFrom) {
      WalSegment doomed = segments.remove(0);
      doomed.close();
      Files.delete(doomed.path);
      FileSync.syncDir(dir);
      deleted++;
    }
    return deleted;
  }

  /**
   * Discards the whole log: a snapshot up to {@code lastIndex} replaced it, and the next append
   * is at {@code lastIndex + 1}. Segments go newest first, each deletion synced (as a
   * truncation), so a crash leaves a prefix of the old log, which recovery discards again.
   */
  void reset(long lastIndex) throws IOException {
    while (!segments.isEmpty()) {
      WalSegment doomed = segments.remove(segments.size() - 1);
      doomed.close();
      Files.delete(doomed.path);
      FileSync.syncDir(dir);
    }
    activeUnsynced = false;
    emptyLastIndex = lastIndex;
  }

  /** Appends a checked batch (see {@link AppendRules}), truncating a conflicting suffix first. */
  void append(List<Entry> entries) throws IOException {
    long first = entries.get(0).index();
    if (first <= lastIndex()) truncateFrom(first);
    WalSegment target = segmentToAppendTo(first);
    if (recordOffsets.length < entries.size()) recordOffsets = new long[entries.size()];
    ByteSink bytes = encoder.encode(entries, recordOffsets);
    target.append(bytes.asByteBuffer(), recordOffsets, entries.size());
    bytesAppended += bytes.size();
    activeUnsynced = true;
  }

  long bytesAppended() {
    return bytesAppended;
  }

  /** Makes every append so far durable: one fsync of the active segment (plus the directory). */
  void sync() throws IOException {
    if (activeUnsynced) {
      active().force();
      activeUnsynced = false;
    }
    if (dirUnsynced) {
      FileSync.syncDir(dir); // the segment files created since the last sync
      dirUnsynced = false;
    }
  }

  @Override
  public void close() throws IOException {
    for (WalSegment s : segments) s.close();
  }

  private WalSegment active() {
    return segments.get(segments.size() - 1);
  }

  private void truncateFrom(long index) throws IOException {
    while (!segments.isEmpty() && active().firstIndex > index) {
      WalSegment doomed = segments.remove(segments.size() - 1);
      doomed.close();
      Files.delete(doomed.path);
      FileSync.syncDir(dir);
    }
    if (segments.isEmpty()) return; // at or before a compacted or reset start: a new segment
    WalSegment last = active();
    last.openForAppend();
    last.truncateFrom(index);
  }

  private WalSegment segmentToAppendTo(long firstIndex) throws IOException {
    if (segments.isEmpty()) return createSegment(firstIndex);
    WalSegment current = active();
    if (current.isEmpty() || (current.size() < segmentSizeBytes && !rollRequested)) {
      return current;
    }
    rollRequested = false;
    current.force(); // see the class comment: never a later segment after a torn earlier one
    current.close();
    activeUnsynced = false;
    return createSegment(firstIndex);
  }

  private WalSegment createSegment(long firstIndex) throws IOException {
    WalSegment s = new WalSegment(dir.resolve(WalSegment.fileName(firstIndex)), firstIndex);
    s.createForAppend();
    segments.add(s);
    dirUnsynced = true;
    return s;
  }
}
