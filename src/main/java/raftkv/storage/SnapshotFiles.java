package raftkv.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.SnapshotMeta;

/**
 * The snapshot files of a data directory, next to the log:
 *
 * <pre>
 *   data/snap-00000000000000500000.jsonl        complete snapshots, named by their last index
 *   data/snap-00000000000000600000.jsonl.tmp    one being written (deleted at start)
 *   data/snap-00000000000000700000-0000000004.partial   one being received from the leader
 * </pre>
 *
 * <p>A snapshot is written to a temp file, fsynced, renamed into place and the directory
 * fsynced, so a crash leaves either the whole file or none; the newest {@value #KEEP} are kept
 * (the one before the newest is the fallback if the newest turns out damaged). A received
 * snapshot grows in its {@code .partial} file, which survives restarts so that a transfer can
 * resume where it stopped, and is switched in the same way once complete.
 *
 * <p>Thread-safe: the writer, the receiver and the log's worker all use it.
 */
public final class SnapshotFiles {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFiles.class);
  private static final Pattern NAME = Pattern.compile("snap-(\\d{20})\\.jsonl");
  private static final Pattern PARTIAL = Pattern.compile("snap-(\\d{20})-(\\d{10})\\.partial");

  /** How many complete snapshots are kept. */
  public static final int KEEP = 2;

  /** Writes a snapshot's content into a stream; returns the bytes written. */
  public interface Content {
    long writeTo(OutputStream out) throws IOException;
  }

  private final Path dir;

  public SnapshotFiles(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** The complete snapshot files, newest (highest index) first. */
  public synchronized List<Path> newestFirst() throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> all = Files.list(dir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (indexOf(p).isPresent()) found.add(p);
      }
    }
    found.sort(Comparator.comparingLong((Path p) -> indexOf(p).getAsLong()).reversed());
    return found;
  }

  /** The file of the complete snapshot that ends at {@code index}. */
  public Path pathOf(long index) {
    return dir.resolve(String.format("snap-%020d.jsonl", index));
  }

  /** The index a complete snapshot's file name stands for. */
  public static OptionalLong indexOf(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) return OptionalLong.empty();
    try {
      return OptionalLong.of(Long.parseLong(m.group(1)));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * Writes a complete snapshot that ends at {@code index}: temp file, fsync, rename, directory
   * fsync; then deletes all but the newest {@value #KEEP}.
   *
   * @return the size of the file
   */
  public long write(long index, Content content) throws IOException {
    Path target = pathOf(index);
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    long bytes;
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      OutputStream out = Channels.newOutputStream(ch);
      bytes = content.writeTo(out);
      out.flush();
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    switchIn(temp, target);
    return bytes;
  }

  /** Where a snapshot being received from the leader grows until it is complete. */
  public Path partialOf(SnapshotMeta meta) {
    return dir.resolve(String.format("snap-%020d-%010d.partial", meta.index(), meta.term()));
  }

  /**
   * A received snapshot is complete and intact: fsync it, switch it in as a complete snapshot,
   * and delete all but the newest {@value #KEEP}.
   */
  public void completeReceived(SnapshotMeta meta) throws IOException {
    Path partial = partialOf(meta);
    FileSync.syncFile(partial);
    switchIn(partial, pathOf(meta.index()));
  }

  /** Deletes partial transfers other than {@code keep} (null: all of them). */
  public synchronized void deletePartialsExcept(SnapshotMeta keep) throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (PARTIAL.matcher(p.getFileName().toString()).matches()
            && (keep == null || !p.equals(partialOf(keep)))) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Removes what a crash during a write left behind ({@code .tmp} files). */
  public synchronized void deleteLeftovers() throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith("snap-") && name.endsWith(".jsonl.tmp")) {
          LOG.info("{}: deleting {}, a snapshot whose writing a crash interrupted", dir, name);
          Files.delete(p);
        }
      }
    }
  }

  /** Total bytes of the complete snapshots. */
  public long totalBytes() throws IOException {
    long total = 0;
    for (Path p : newestFirst()) total += Files.size(p);
    return total;
  }

  private synchronized void switchIn(Path from, Path target) throws IOException {
    Files.move(from, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    FileSync.syncDir(dir);
    List<Path> all = newestFirst();
    for (int i = KEEP; i < all.size(); i++) {
      Files.deleteIfExists(all.get(i));
    }
  }
}
