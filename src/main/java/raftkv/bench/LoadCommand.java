package raftkv.bench;

import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code raftkv load}: runs a load test, prints the table, optionally writes JSON. */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = {
        "Load a raftkv (or etcd) cluster over HTTP and report throughput, latency percentiles "
            + "and every error.",
        "Closed loop with --clients C, open loop with --rate R. Progress goes to stderr, the "
            + "table to stdout."},
    footer = {"", "Exit status: 0 (also when requests failed: the output says so loudly), 1 when "
        + "--fail-on-errors is given and any request failed, 2 for bad options."})
public final class LoadCommand implements Callable<Integer> {

  @Mixin LoadOptions options = new LoadOptions();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try {
      options.validate();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Report report = new LoadTester(options, System.err).run();
    new ReportPrinter(System.out).print(report);
    if (options.json != null) {
      try {
        ReportJson.write(report, options.json);
        System.err.println("results written to " + options.json);
      } catch (IOException e) {
        System.err.println("load: could not write " + options.json + ": " + e.getMessage());
        return 1;
      }
    }
    return options.failOnErrors && report.totalErrors() > 0 ? 1 : 0;
  }
}
