package raftkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock file {@code LOCK} that keeps a data directory to one process: a second node started
 * on the same directory (a copied configuration, a forgotten process) would recover, and so
 * truncate, a log that a live node is writing. The lock is an OS file lock, released when the
 * process exits however it exits; the file holds the holder's pid, for the error message.
 */
final class DataDirLock implements AutoCloseable {

  static final String NAME = "LOCK";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dir}, or fails at once naming the process that holds it.
   *
   * @throws DataDirInUseException when another process (or another node in this one) holds it
   */
  static DataDirLock acquire(Path dir) throws IOException {
    Path file = dir.resolve(NAME);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException heldInThisProcess) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      String holder = holder(file);
      channel.close();
      throw new DataDirInUseException(dir + " is in use by another raftkv process (" + holder
          + ", see " + file + "): stop that process first, or give this node a data directory"
          + " of its own (dataDir)");
    }
    long pid = ProcessHandle.current().pid();
    channel.truncate(0);
    channel.write(ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    return new DataDirLock(channel, lock);
  }

  private static String holder(Path file) {
    try {
      String pid = Files.readString(file, StandardCharsets.US_ASCII).trim();
      if (pid.isEmpty()) return "pid unknown";
      return pid.equals(Long.toString(ProcessHandle.current().pid()))
          ? "this very process, pid " + pid
          : "pid " + pid;
    } catch (IOException e) {
      return "pid unknown";
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }

  /** The data directory is locked by another process. */
  static final class DataDirInUseException extends IOException {
    DataDirInUseException(String message) {
      super(message);
    }
  }
}
