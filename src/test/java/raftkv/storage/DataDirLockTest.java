package raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A data directory belongs to one process, and a refused second open does not undo that. */
class DataDirLockTest {

  @TempDir Path dir;

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aRefusedOpenInTheHoldingProcessLeavesTheLockHeldForOtherProcesses() throws Exception {
    try (FileRaftStorage holder = FileRaftStorage.open(dir, StorageOptions.defaults())) {
      assertThatThrownBy(() -> FileRaftStorage.open(dir, StorageOptions.defaults()))
          .hasMessageContaining("this very process");

      assertThat(probe()).startsWith("refused: ")
          .contains("pid " + ProcessHandle.current().pid());
    }
    assertThat(probe()).as("released on close").isEqualTo("opened");
  }

  @Test
  void aNewDataDirectoryIsCreatedWithItsParents() throws IOException {
    Path nested = dir.resolve("a/b/node1");
    try (FileRaftStorage storage = FileRaftStorage.open(nested, StorageOptions.defaults())) {
      assertThat(storage.load().entries()).isEmpty();
    }
    assertThat(nested.resolve(DataDirLock.NAME)).exists();
  }

  private String probe() throws Exception {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", System.getProperty("java.class.path"), LockProbe.class.getName(),
        dir.toString()).redirectErrorStream(false).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return out.lines().filter(l -> l.startsWith("opened") || l.startsWith("refused"))
        .findFirst().orElse(out);
  }
}
