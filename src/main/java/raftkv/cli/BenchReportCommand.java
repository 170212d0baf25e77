package raftkv.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import raftkv.bench.BenchReport;
import raftkv.bench.MemoryPlot;

/** {@code raftkv bench-report}: the table and plot of a {@code bench/run.sh} run. */
@Command(name = "bench-report", mixinStandardHelpOptions = true,
    description = "Build the benchmark table and plot from the results of bench/run.sh.")
final class BenchReportCommand implements Callable<Integer> {

  @Option(names = "--dir", description = "directory of SYSTEM--SCENARIO.json")
  Path dir;

  @Option(names = "--markdown", description = "also write the table to this file")
  Path markdown;

  @Option(names = "--plot", description = "write the plot to this PNG file")
  Path plot;

  @Option(names = "--memory-csv", description = "with --memory-plot: samples of resident memory"
      + " against writes (series,writes,rssMiB), as bench/lifetime.sh writes them")
  Path memoryCsv;

  @Option(names = "--memory-plot", description = "draw --memory-csv into this PNG file")
  Path memoryPlot;

  @Option(names = "--memory-title", description = "the memory plot's title",
      defaultValue = "resident memory (mean of the members) against writes")
  String memoryTitle;

  @Override
  public Integer call() throws Exception {
    if (memoryCsv != null || memoryPlot != null) {
      if (memoryCsv == null || memoryPlot == null) {
        System.err.println("bench-report: --memory-csv and --memory-plot go together");
        return 2;
      }
      MemoryPlot.write(memoryCsv, memoryPlot, memoryTitle);
      return 0;
    }
    if (dir == null) {
      System.err.println("bench-report: give --dir (a bench/run.sh result) or --memory-csv");
      return 2;
    }
    return BenchReport.run(dir, markdown, plot);
  }
}
