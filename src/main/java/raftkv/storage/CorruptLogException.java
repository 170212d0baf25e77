package raftkv.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Recovery found damage it must not repair on its own: a bad record before the end of the log,
 * a gap between segments, an unreadable hard state file. The message names the file, the byte
 * offset, what is wrong and what the operator can do.
 */
public class CorruptLogException extends IOException {

  /** The {@link #offset()} when the whole file is concerned rather than one record. */
  public static final long WHOLE_FILE = -1;

  private final Path file;
  private final long offset;

  public CorruptLogException(Path file, long offset, String message) {
    super(message);
    this.file = file;
    this.offset = offset;
  }

  public Path file() {
    return file;
  }

  /** The byte offset of the damaged record in {@link #file()}, or {@link #WHOLE_FILE}. */
  public long offset() {
    return offset;
  }
}
