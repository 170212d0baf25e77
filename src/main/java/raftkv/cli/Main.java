package raftkv.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;
import raftkv.bench.CeilingServer;
import raftkv.bench.LoadCommand;

/**
 * The command line: {@code raftkv node} runs a node, {@code raftkv gateway} a gateway,
 * {@code raftkv disk-bench} checks a disk; {@code raftkv load}, {@code raftkv http-ceiling} and
 * {@code raftkv bench-report} are the benchmark tools.
 */
@Command(name = "raftkv", mixinStandardHelpOptions = true,
    description = "A replicated, persistent key-value store built on Raft.",
    subcommands = {NodeCommand.class, GatewayCommand.class, DiskBenchCommand.class,
        LoadCommand.class, CeilingServer.class, BenchReportCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
