package raftkv.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import raftkv.bench.BenchReport;

/** {@code raftkv bench-report}: the table and plot of a {@code bench/run.sh} run. */
@Command(name = "bench-report", mixinStandardHelpOptions = true,
    description = "Build the benchmark table and plot from the results of bench/run.sh.")
final class BenchReportCommand implements Callable<Integer> {

  @Option(names = "--dir", required = true, description = "directory of SYSTEM--SCENARIO.json")
  Path dir;

  @Option(names = "--markdown", description = "also write the table to this file")
  Path markdown;

  @Option(names = "--plot", description = "write the plot to this PNG file")
  Path plot;

  @Override
  public Integer call() throws Exception {
    return BenchReport.run(dir, markdown, plot);
  }
}
