package raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.raft.Entry;

/**
 * Kills a JVM that is appending (SIGKILL, so no shutdown hook or buffer flush runs) and checks
 * that every index it reported durable is there after a restart, with the right content (and
 * that while it runs, no one else may open its directory). The
 * same directory goes through several rounds, so recovery also starts from logs that earlier
 * kills left behind.
 */
class KillChildJvmTest {

  static final int ROUNDS = 3;
  static final long PROGRESS_PER_ROUND = 2000;
  static final long MILLIS_PER_ROUND = 3000;

  @TempDir
  Path tmp;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyIndexReportedDurableSurvivesSigkill() throws Exception {
    Path dir = tmp.resolve("data");
    long durableBefore = 0;
    for (int round = 1; round <= ROUNDS; round++) {
      long reported = runAndKill(dir, round, durableBefore);
      assertThat(reported).as("round %d made progress", round).isGreaterThan(durableBefore);
      Recovered r = recover(dir);
      assertThat(r.lastIndex()).as("round %d", round).isGreaterThanOrEqualTo(reported);
      for (Entry e : r.entries()) {
        assertThat(e).isEqualTo(AppendingChild.expected(e.index()));
      }
      assertThat(r.hardState().commit()).isLessThanOrEqualTo(r.lastIndex());
      durableBefore = reported;
    }
  }

  /** Starts the child, lets it run, kills it; returns the highest index it reported durable. */
  private long runAndKill(Path dir, int round, long durableBefore) throws Exception {
    Path stderr = tmp.resolve("child-" + round + ".err");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", System.getProperty("java.class.path"),
        AppendingChild.class.getName(), dir.toString())
        .redirectError(stderr.toFile())
        .start();
    AtomicLong reported = new AtomicLong(durableBefore);
    Thread reader = new Thread(() -> readReports(child, reported), "child-reader-" + round);
    reader.start();
    try {
      waitForProgress(child, reported, durableBefore);
      assertThatThrownBy(() -> FileRaftStorage.open(dir, AppendingChild.OPTIONS))
          .as("the child holds the directory").hasMessageContaining("pid " + child.pid());
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux
      child.waitFor(10, TimeUnit.SECONDS);
      reader.join(10_000); // lines printed before the kill are still reports
    }
    assertThat(child.isAlive()).isFalse();
    assertThat(reported.get()).as("child stderr:\n%s", Files.readString(stderr))
        .isGreaterThan(durableBefore);
    return reported.get();
  }

  private static void waitForProgress(Process child, AtomicLong reported, long durableBefore)
      throws InterruptedException {
    long startupDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (reported.get() == durableBefore && child.isAlive()
        && System.nanoTime() < startupDeadline) {
      Thread.sleep(10);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MILLIS_PER_ROUND);
    while (reported.get() < durableBefore + PROGRESS_PER_ROUND && child.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static void readReports(Process child, AtomicLong reported) {
    try (BufferedReader lines = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("durable ")) {
          reported.accumulateAndGet(Long.parseLong(line.substring(8)), Math::max);
        }
      }
    } catch (IOException e) {
      // the pipe closes when the child dies
    }
  }

  private static Recovered recover(Path dir) throws IOException {
    try (FileRaftStorage s = FileRaftStorage.open(dir, AppendingChild.OPTIONS)) {
      return s.load();
    }
  }
}
