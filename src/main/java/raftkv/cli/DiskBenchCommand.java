package raftkv.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import raftkv.config.ConfigException;
import raftkv.config.ConfigFile;
import raftkv.config.NodeConfig;
import raftkv.storage.DiskBenchmark;

/**
 * {@code raftkv disk-bench}: is this disk fast enough for the configured Raft timing? Every vote
 * and every acknowledged write waits for an fsync, on the leader and on a majority of followers;
 * a disk whose fsync takes a good part of a heartbeat interval makes writes slow, and one that
 * stalls for half an election timeout gets leaders deposed.
 */
@Command(name = "disk-bench", mixinStandardHelpOptions = true,
    description = {"Measure the disk a node's log would live on: fsync latency and log append"
        + " rates, and whether that is fast enough for the configured timing."},
    footer = {"", "Verdicts: FAST (p99 fsync <= " + DiskBenchCommand.FAST_P99_MS + " ms and the"
        + " slowest below a heartbeat interval), MARGINAL (p99 <= half a heartbeat interval and"
        + " the slowest below half an election timeout), TOO SLOW otherwise.",
        "Exit status: 0 for FAST or MARGINAL, 1 for TOO SLOW, 2 for bad options or"
            + " configuration, 3 when the disk could not be written."})
final class DiskBenchCommand implements Callable<Integer> {

  /** etcd's guidance for the 99th percentile of WAL fsync latency. */
  static final double FAST_P99_MS = 10;

  @Option(names = "--config", description = "a node's configuration: measure under its dataDir"
      + " and judge by its tickMs, heartbeatTicks and electionTicks (default: conf/node1.json's"
      + " timing, 50 ms x 2 and 50 ms x 10)")
  Path config;

  @Option(names = "--set", description = "override a configuration field, as for 'node'",
      mapFallbackValue = "")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--dir", description = "directory on the disk to measure (default: the"
      + " configuration's dataDir, else the current directory); a temporary directory is made"
      + " under it and deleted")
  Path dir;

  @Option(names = "--seconds", defaultValue = "1.5", description = "seconds per cell"
      + " (default: ${DEFAULT-VALUE})")
  double secondsPerCell;

  @Option(names = "--rounds", defaultValue = "5", description = "rounds of every cell"
      + " (default: ${DEFAULT-VALUE})")
  int rounds;

  @Override
  public Integer call() {
    int tickMs = 50;
    int heartbeatTicks = 2;
    int electionTicks = 10;
    Path where = dir != null ? dir : Path.of(".");
    if (config == null && !overrides.isEmpty()) {
      System.err.println("raftkv disk-bench: --set needs --config (the file it changes)");
      return 2;
    }
    if (config != null) {
      try {
        NodeConfig node = ConfigFile.load(config, overrides);
        tickMs = node.tickMs();
        heartbeatTicks = node.heartbeatTicks();
        electionTicks = node.electionTicks();
        if (dir == null && !node.isGateway()) where = Path.of(node.dataDir());
      } catch (ConfigException e) {
        System.err.println("raftkv disk-bench: " + e.getMessage());
        return 2;
      }
    }
    if (secondsPerCell <= 0 || rounds < 1) {
      System.err.println("raftkv disk-bench: --seconds must be > 0 and --rounds >= 1");
      return 2;
    }
    DiskBenchmark.Result result;
    try {
      result = DiskBenchmark.run(where, secondsPerCell, rounds, System.out);
    } catch (IOException e) {
      System.err.println("raftkv disk-bench: cannot write under " + where.toAbsolutePath() + ": "
          + e + ". Check that the directory exists and is writable, or pick another with --dir.");
      return 3;
    }
    return verdict(result, tickMs, heartbeatTicks, electionTicks);
  }

  /** How a disk compares with the timing. */
  enum Verdict { FAST, MARGINAL, TOO_SLOW }

  static Verdict judge(DiskBenchmark.Result r, long heartbeatMs, long electionMs) {
    if (r.fsyncP99Ms() <= FAST_P99_MS && r.fsyncMaxMs() < heartbeatMs) return Verdict.FAST;
    if (r.fsyncP99Ms() <= heartbeatMs / 2.0 && r.fsyncMaxMs() < electionMs / 2.0) {
      return Verdict.MARGINAL;
    }
    return Verdict.TOO_SLOW;
  }

  private static int verdict(DiskBenchmark.Result r, int tickMs, int heartbeatTicks,
      int electionTicks) {
    long heartbeatMs = (long) tickMs * heartbeatTicks;
    long electionMs = (long) tickMs * electionTicks;
    System.out.printf("%ntiming: heartbeat every %d ms, elections after %d-%d ms of silence%n",
        heartbeatMs, electionMs, 2 * electionMs);
    switch (judge(r, heartbeatMs, electionMs)) {
      case FAST -> {
        System.out.printf("FAST: fsync p99 %.2f ms, max %.2f ms. This disk suits a raftkv"
            + " node.%n", r.fsyncP99Ms(), r.fsyncMaxMs());
        return 0;
      }
      case MARGINAL -> {
        System.out.printf("MARGINAL: fsync p99 %.2f ms, max %.2f ms. A node works, but every"
            + " write waits for this disk twice (leader and followers); expect slow writes. A"
            + " faster disk (SSD, no shared I/O) helps most.%n", r.fsyncP99Ms(), r.fsyncMaxMs());
        return 0;
      }
      default -> {
        System.out.printf("TOO SLOW: fsync p99 %.2f ms, max %.2f ms against a %d ms heartbeat and"
            + " a %d ms election timeout. Votes and acknowledgements wait for the disk, so leaders"
            + " would be deposed under load. Use a faster disk, or raise tickMs (to %d or more)"
            + " on every node.%n", r.fsyncP99Ms(), r.fsyncMaxMs(), heartbeatMs, electionMs,
            marginalTickMs(r, heartbeatTicks, electionTicks));
        return 1;
      }
    }
  }

  /** The shortest tick with which this disk would be MARGINAL. */
  static long marginalTickMs(DiskBenchmark.Result r, int heartbeatTicks, int electionTicks) {
    double forP99 = 2 * r.fsyncP99Ms() / heartbeatTicks;
    double forMax = 2 * r.fsyncMaxMs() / electionTicks;
    return (long) Math.floor(Math.max(forP99, forMax)) + 1;
  }
}
