package raftkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One segment file of the log, {@code log-<first index, 20 digits>.jsonl}, and the in-memory
 * index of where each of its records starts, so that a suffix can be cut at the right byte.
 * Only the last segment of a log is open for writing.
 */
final class WalSegment {

  private static final Pattern NAME = Pattern.compile("log-(\\d{20})\\.jsonl");

  final Path path;
  final long firstIndex;
  private final LongList offsets = new LongList();
  private long size;
  private FileChannel channel;

  WalSegment(Path path, long firstIndex) {
    this.path = path;
    this.firstIndex = firstIndex;
  }

  static String fileName(long firstIndex) {
    return String.format("log-%020d.jsonl", firstIndex);
  }

  /** The first index a segment file name stands for, or empty if it is not a segment name. */
  static OptionalLong firstIndexOf(String fileName) {
    Matcher m = NAME.matcher(fileName);
    if (!m.matches()) return OptionalLong.empty();
    try {
      return OptionalLong.of(Long.parseLong(m.group(1)));
    } catch (NumberFormatException e) {
      return OptionalLong.empty(); // 20 digits may overflow a long
    }
  }

  int count() {
    return offsets.size();
  }

  boolean isEmpty() {
    return offsets.size() == 0;
  }

  /** The last index in this segment; {@code firstIndex - 1} when it is empty. */
  long lastIndex() {
    return firstIndex + offsets.size() - 1;
  }

  /** Bytes of complete records. */
  long size() {
    return size;
  }

  /** Notes a record that recovery read back: it starts at {@code offset}, ends at {@code end}. */
  void addRecovered(long offset, long end) {
    offsets.add(offset);
    size = end;
  }

  void openForAppend() throws IOException {
    if (channel == null) {
      channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
  }

  void createForAppend() throws IOException {
    channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  /**
   * Writes a batch of records at the end of the segment. {@code recordOffsets[0..count)} are the
   * records' offsets within {@code data}.
   */
  void append(ByteBuffer data, long[] recordOffsets, int count) throws IOException {
    long base = size;
    long position = base;
    while (data.hasRemaining()) {
      position += channel.write(data, position);
    }
    for (int i = 0; i < count; i++) {
      offsets.add(base + recordOffsets[i]);
    }
    size = position;
  }

  /** Cuts the file before the record of {@code index} and makes the cut durable. */
  void truncateFrom(long index) throws IOException {
    int keep = (int) (index - firstIndex);
    long newSize = keep == offsets.size() ? size : offsets.get(keep);
    channel.truncate(newSize);
    channel.force(false);
    offsets.truncate(keep);
    size = newSize;
  }

  void force() throws IOException {
    channel.force(false);
  }

  void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  @Override
  public String toString() {
    return path.getFileName() + " [" + firstIndex + ".." + lastIndex() + "]";
  }
}
