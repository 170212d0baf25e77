package raftkv.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.Entry;

/**
 * Reads the log back at start. Every record's JSON and checksum is verified, and the indexes
 * must run without a gap, across segments, each segment's first index matching its name. The
 * first segment may start after index 1: the entries before it were compacted into a snapshot
 * (whether a snapshot covers them is for the caller to check, see {@link LogAfterSnapshot}).
 *
 * <ul>
 *   <li>A torn last record of the last segment (no newline, or a final line that does not
 *       decode) is what a crash during a write leaves behind: it is cut off, with a warning.
 *   <li>Any other damage stops recovery with a {@link CorruptLogException} naming the file and
 *       offset, unless {@code repair} is set: then the log is truncated at the damaged record,
 *       later segments are deleted, and recovery reports how many records were dropped.
 *   <li>An empty last segment is what a crash right after creating it leaves: fine.
 * </ul>
 */
final class WalRecovery {

  private static final Logger LOG = LoggerFactory.getLogger(WalRecovery.class);

  /** The recovered segments (ready for {@link Wal}) and their entries, in index order. */
  record Result(List<WalSegment> segments, List<Entry> entries) {}

  private final Path dir;
  private final boolean repair;
  private final List<String> warnings;
  private final CRC32C crc = new CRC32C();
  private final List<WalSegment> segments = new ArrayList<>();
  private final List<Entry> entries = new ArrayList<>();
  /** The index the next segment must start at. */
  private long nextIndex;

  private WalRecovery(Path dir, boolean repair, List<String> warnings) {
    this.dir = dir;
    this.repair = repair;
    this.warnings = warnings;
  }

  /** Recovers the log in {@code dir}; repairs and cut-off tails are added to {@code warnings}. */
  static Result recover(Path dir, boolean repair, List<String> warnings) throws IOException {
    WalRecovery recovery = new WalRecovery(dir, repair, warnings);
    recovery.readAll(recovery.listSegmentFiles());
    return new Result(recovery.segments, recovery.entries);
  }

  private List<Path> listSegmentFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> all = Files.list(dir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        String name = p.getFileName().toString();
        if (WalSegment.firstIndexOf(name).isPresent()) {
          files.add(p);
        } else if (name.startsWith("log-")) {
          warn(p + ": ignored, not a segment name (log-<20 digits>.jsonl)");
        }
      }
    }
    files.sort(Comparator.comparingLong(WalRecovery::nameIndex));
    return files;
  }

  private static long nameIndex(Path p) {
    OptionalLong index = WalSegment.firstIndexOf(p.getFileName().toString());
    return index.orElseThrow();
  }

  private void readAll(List<Path> files) throws IOException {
    for (int i = 0; i < files.size(); i++) {
      boolean last = i == files.size() - 1;
      boolean complete = readSegment(files, i, last);
      if (!complete) return; // repaired: everything after the damage is gone
    }
  }

  /** Reads segment {@code i}; false if it was damaged and repaired (recovery stops there). */
  private boolean readSegment(List<Path> files, int i, boolean last) throws IOException {
    Path path = files.get(i);
    long named = nameIndex(path);
    long expected = i == 0 ? named : nextIndex;
    if (named != expected) {
      damaged(files, i, 0, startProblem(named, expected));
      return false;
    }
    WalSegment segment = new WalSegment(path, named);
    byte[] bytes = Files.readAllBytes(path);
    int pos = 0;
    while (pos < bytes.length) {
      int newline = indexOf(bytes, (byte) '\n', pos);
      Entry entry;
      try {
        entry = decodeLine(bytes, pos, newline);
      } catch (WalRecord.BadRecordException e) {
        boolean finalLine = newline < 0 || newline == bytes.length - 1;
        if (last && finalLine) { // the end of the log: what a crash during a write leaves
          cutTornTail(segment, pos, bytes.length, e.getMessage());
          break;
        }
        return stopAt(files, i, segment, pos, e.getMessage());
      }
      if (entry.index() != expected) {
        return stopAt(files, i, segment, pos,
            "record has index " + entry.index() + " where " + expected + " was expected");
      }
      entries.add(entry);
      expected++;
      segment.addRecovered(pos, newline + 1);
      pos = newline + 1;
    }
    segments.add(segment);
    nextIndex = expected;
    return true;
  }

  private Entry decodeLine(byte[] bytes, int pos, int newline)
      throws WalRecord.BadRecordException {
    if (newline < 0) {
      throw new WalRecord.BadRecordException("incomplete record (no newline at the end)");
    }
    return WalRecord.decode(bytes, pos, newline, crc);
  }

  /** Damage in segment {@code i} at {@code offset}; returns false: recovery stops there. */
  private boolean stopAt(List<Path> files, int i, WalSegment segment, int offset, String problem)
      throws IOException {
    if (offset > 0) segments.add(segment); // with repair, the records before the damage stay
    damaged(files, i, offset, problem);
    return false;
  }


  private static String startProblem(long named, long expected) {
    if (named > expected) {
      return "segment starts at index " + named + " but the previous segments end at "
          + (expected - 1) + " (entries " + expected + ".." + (named - 1) + " are missing)";
    }
    return "segment starts at index " + named + " but the previous segments already reach "
        + (expected - 1) + " (overlapping segments)";
  }

  private void cutTornTail(WalSegment segment, int offset, int fileSize, String problem)
      throws IOException {
    truncateFile(segment.path, offset);
    warn(segment.path + ": cut a torn last record at byte offset " + offset + " ("
        + (fileSize - offset) + " bytes, " + problem + "); a crash during a write leaves this,"
        + " and the record was never reported durable");
  }

  /**
   * Damage at {@code offset} of segment {@code i}: an error, or with repair a truncation there.
   */
  private void damaged(List<Path> files, int i, int offset, String problem) throws IOException {
    Path path = files.get(i);
    long dropped = countRecords(files, i, offset);
    if (!repair) {
      throw new CorruptLogException(path, offset, path + " is damaged at byte offset " + offset
          + ": " + problem + ". Restart with --repair to truncate the log from this record onward ("
          + dropped + " records would be dropped), or restore this node's data directory from a"
          + " peer.");
    }
    for (int later = files.size() - 1; later > i; later--) {
      Files.delete(files.get(later));
    }
    if (offset == 0) {
      Files.delete(path); // emptied, its name might not fit the log any more
    } else {
      truncateFile(path, offset);
    }
    FileSync.syncDir(dir);
    warn("repair: " + path + " was damaged at byte offset " + offset + " (" + problem + ");"
        + " truncated the log there and dropped " + dropped + " records");
  }

  private static long countRecords(List<Path> files, int i, int offset) throws IOException {
    long count = countLines(Files.readAllBytes(files.get(i)), offset);
    for (int later = i + 1; later < files.size(); later++) {
      count += countLines(Files.readAllBytes(files.get(later)), 0);
    }
    return count;
  }

  /** Lines from {@code offset} on, an unterminated last line included. */
  private static long countLines(byte[] bytes, int offset) {
    long lines = 0;
    for (int p = offset; p < bytes.length; p++) {
      if (bytes[p] == '\n') lines++;
    }
    boolean unterminated = bytes.length > offset && bytes[bytes.length - 1] != '\n';
    return unterminated ? lines + 1 : lines;
  }

  private static void truncateFile(Path path, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
      ch.truncate(size);
      ch.force(false);
    }
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int p = from; p < bytes.length; p++) {
      if (bytes[p] == b) return p;
    }
    return -1;
  }

  private void warn(String message) {
    LOG.warn(message);
    warnings.add(message);
  }
}
