package raftkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The lock file {@code LOCK} that keeps a data directory to one process: a second node started
 * on the same directory (a copied configuration, a forgotten process) would recover, and so
 * truncate, a log that a live node is writing. The lock is an OS file lock, released when the
 * process exits however it exits; the file holds the holder's pid, for the error message.
 *
 * <p>OS file locks belong to the whole process, and closing any channel of the file releases
 * them: so a second node in the same JVM is refused from a registry of this JVM's locks, without
 * touching the file.
 */
final class DataDirLock implements AutoCloseable {

  static final String NAME = "LOCK";

  /** The directories this JVM holds, by real path. */
  private static final Set<Path> HELD_HERE = new HashSet<>();

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dir}, or fails at once naming the process that holds it.
   *
   * @throws DataDirInUseException when another process (or another node in this one) holds it
   */
  static DataDirLock acquire(Path dir) throws IOException {
    Path real = dir.toRealPath();
    long pid = ProcessHandle.current().pid();
    synchronized (HELD_HERE) {
      if (!HELD_HERE.add(real)) throw inUse(dir, "this very process, pid " + pid);
    }
    try {
      return lock(real, pid);
    } catch (IOException | RuntimeException e) {
      synchronized (HELD_HERE) {
        HELD_HERE.remove(real);
      }
      throw e;
    }
  }

  private static DataDirLock lock(Path dir, long pid) throws IOException {
    Path file = dir.resolve(NAME);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      FileLock lock = channel.tryLock();
      if (lock == null) throw inUse(dir, holder(file)); // another process holds it
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      return new DataDirLock(dir, channel, lock);
    } catch (IOException | RuntimeException e) {
      channel.close(); // releases the lock, if it was taken
      throw e;
    }
  }

  private static DataDirInUseException inUse(Path dir, String holder) {
    return new DataDirInUseException(dir + " is in use by another raftkv process (" + holder
        + ", see " + dir.resolve(NAME) + "): stop that process first, or give this node a data"
        + " directory of its own (dataDir)");
  }

  /** Reads the other process's pid; only when this process holds no lock on the file. */
  private static String holder(Path file) {
    try {
      String pid = Files.readString(file, StandardCharsets.US_ASCII).trim();
      return pid.isEmpty() ? "pid unknown" : "pid " + pid;
    } catch (IOException e) {
      return "pid unknown";
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
      channel.close();
    } finally {
      synchronized (HELD_HERE) {
        HELD_HERE.remove(dir);
      }
    }
  }

  /** The data directory is locked by another process. */
  static final class DataDirInUseException extends IOException {
    DataDirInUseException(String message) {
      super(message);
    }
  }
}
