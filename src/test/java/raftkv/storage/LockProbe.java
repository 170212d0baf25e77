package raftkv.storage;

import java.nio.file.Path;

/**
 * A process that tries to open a data directory and says what happened: {@code opened} or
 * {@code refused: <message>}. {@link DataDirLockTest} runs it beside a holder.
 */
public final class LockProbe {

  private LockProbe() {}

  public static void main(String[] args) throws Exception {
    try (FileRaftStorage storage = FileRaftStorage.open(Path.of(args[0]),
        StorageOptions.defaults())) {
      System.out.println("opened");
    } catch (DataDirLock.DataDirInUseException e) {
      System.out.println("refused: " + e.getMessage());
    }
  }
}
