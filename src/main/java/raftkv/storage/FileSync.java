package raftkv.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** fsync for files and directories: creating, renaming or deleting a file is durable only after
 * its directory's. */
final class FileSync {

  private FileSync() {}

  static void syncDir(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** fsyncs a file this process may not have written: whatever of it is in the page cache. */
  static void syncFile(Path file) throws IOException {
    try (FileChannel f = FileChannel.open(file, StandardOpenOption.READ)) {
      f.force(true);
    }
  }
}
