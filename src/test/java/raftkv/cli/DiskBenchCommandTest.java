package raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.cli.DiskBenchCommand.Verdict;
import raftkv.storage.DiskBenchmark;

/** The disk verdict against the timing, and the tick it suggests for a slow disk. */
class DiskBenchCommandTest {

  private static DiskBenchmark.Result disk(double p99Ms, double maxMs) {
    return new DiskBenchmark.Result(p99Ms / 2, p99Ms, maxMs, 1000 / p99Ms, new double[3]);
  }

  @Test
  void judgesByTheNinetyNinthPercentileAndTheSlowest() {
    // heartbeat 100 ms, election timeout 500 ms (conf/node1.json)
    assertThat(DiskBenchCommand.judge(disk(2, 30), 100, 500)).isEqualTo(Verdict.FAST);
    assertThat(DiskBenchCommand.judge(disk(11, 30), 100, 500)).isEqualTo(Verdict.MARGINAL);
    assertThat(DiskBenchCommand.judge(disk(2, 150), 100, 500)).isEqualTo(Verdict.MARGINAL);
    assertThat(DiskBenchCommand.judge(disk(51, 60), 100, 500)).isEqualTo(Verdict.TOO_SLOW);
    assertThat(DiskBenchCommand.judge(disk(2, 250), 100, 500)).isEqualTo(Verdict.TOO_SLOW);
  }

  @Test
  void theSuggestedTickMakesTheDiskMarginal() {
    DiskBenchmark.Result slow = disk(40, 400);
    long tickMs = DiskBenchCommand.marginalTickMs(slow, 2, 10);
    assertThat(DiskBenchCommand.judge(slow, tickMs * 2, tickMs * 10)).isEqualTo(Verdict.MARGINAL);
    assertThat(DiskBenchCommand.judge(slow, (tickMs - 1) * 2, (tickMs - 1) * 10))
        .isEqualTo(Verdict.TOO_SLOW);
  }

  @Test
  void aShortRunMeasuresARealDisk(@TempDir Path dir) throws Exception {
    DiskBenchmark.Result r = DiskBenchmark.run(dir.resolve("not/made/yet"), 0.05, 1,
        new PrintStream(OutputStream.nullOutputStream()));
    assertThat(r.fsyncP50Ms()).isPositive();
    assertThat(r.fsyncMaxMs()).isGreaterThanOrEqualTo(r.fsyncP99Ms());
    assertThat(r.fsyncsPerSecond()).isPositive();
    assertThat(r.entriesPerSecondByBatch()).hasSize(3);
    assertThat(Arrays.stream(r.entriesPerSecondByBatch()).min().orElseThrow()).isPositive();
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).as("nothing left behind, nothing made").isEmpty();
    }
  }
}
