package raftkv.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;
import raftkv.bench.CeilingServer;
import raftkv.bench.LoadCommand;
import raftkv.bench.WatchBench;

/**
 * The command line: {@code raftkv node} runs a node, {@code raftkv gateway} a gateway,
 * {@code raftkv disk-bench} checks a disk; {@code raftkv kv} reads and writes keys and {@code
 * raftkv cluster} shows and changes the cluster, as a client; {@code raftkv load}, {@code raftkv
 * http-ceiling} and {@code raftkv bench-report} are the benchmark tools.
 */
@Command(name = "raftkv", mixinStandardHelpOptions = true,
    description = "A replicated, persistent key-value store built on Raft.",
    subcommands = {NodeCommand.class, GatewayCommand.class, DiskBenchCommand.class,
        KvCommand.class, ClusterCommand.class, LoadCommand.class, CeilingServer.class,
        BenchReportCommand.class, WatchBench.class, TokenCommand.class})
public final class Main {

  /** The exit status of an unexpected error in a command (sysexits' EX_SOFTWARE). */
  static final int INTERNAL_ERROR = 70;

  public static void main(String[] args) {
    String badLogFormat = LogFormat.choose(); // before anything logs
    if (badLogFormat != null) {
      System.err.println("raftkv: " + badLogFormat);
      System.exit(2);
    }
    System.exit(new CommandLine(new Main())
        .setExecutionExceptionHandler(Main::unexpected).execute(args));
  }

  /** A bug, not an answer: said as one, with its own exit status (not 1, "key not found"). */
  private static int unexpected(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
    command.getErr().println("raftkv: unexpected error (a bug; please report it with this"
        + " output): " + e);
    e.printStackTrace(command.getErr());
    return INTERNAL_ERROR;
  }
}
