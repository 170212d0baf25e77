package raftkv.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import raftkv.bench.BenchReport;
import raftkv.bench.CeilingServer;
import raftkv.bench.LoadCommand;
import raftkv.storage.StorageOptions;

/**
 * The command line: {@code raftkv node ...} runs a node, {@code raftkv gateway ...} a front end;
 * {@code raftkv load ...} and {@code raftkv http-ceiling ...} are the benchmark tools.
 */
@Command(name = "raftkv", mixinStandardHelpOptions = true,
    description = "A replicated, persistent key-value store built on Raft.",
    subcommands = {Main.NodeCommand.class, Main.GatewayCommand.class, LoadCommand.class,
        CeilingServer.class, Main.BenchReportCommand.class})
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  /** Options every process takes. */
  static class CommonOptions {
    @Option(names = "--config", required = true, description = "JSON configuration file")
    Path config;

    @Option(names = "--set", description = "override a field, e.g. --set tickMs=20 "
        + "--set limits.maxValueBytes=65536", mapFallbackValue = "")
    Map<String, String> overrides = new LinkedHashMap<>();

    NodeConfig load() throws NodeConfig.ConfigException {
      return NodeConfig.load(config, overrides);
    }
  }

  @Command(name = "node", description = "Run one Raft node and its client front end.")
  static final class NodeCommand implements Callable<Integer> {
    @CommandLine.Mixin CommonOptions common = new CommonOptions();

    @Option(names = "--repair", description = "truncate a damaged log at its first bad record")
    boolean repair;

    @Override
    public Integer call() {
      return run(common, config -> {
        if (config.isGateway()) throw new NodeConfig.ConfigException(
            common.config + ": nodeId is 0 (a gateway); use 'raftkv gateway' or set nodeId");
        StorageOptions storage = StorageOptions.defaults().withRepair(repair);
        return vertx -> {
          RaftVerticle node = new RaftVerticle(config, storage).onHalt(cause -> exit(vertx));
          return vertx.deployVerticle(node)
              .compose(id -> vertx.deployVerticle(new FrontEndVerticle(config, node.channel())));
        };
      });
    }
  }

  @Command(name = "gateway", description = "Run a standalone front end that follows the leader.")
  static final class GatewayCommand implements Callable<Integer> {
    @CommandLine.Mixin CommonOptions common = new CommonOptions();

    @Override
    public Integer call() {
      return run(common, config -> {
        if (!config.isGateway()) throw new NodeConfig.ConfigException(
            common.config + ": nodeId is " + config.nodeId() + "; a gateway needs nodeId 0");
        return vertx -> vertx.deployVerticle(new FrontEndVerticle(config));
      });
    }
  }

  @Command(name = "bench-report",
      description = "Build the benchmark table and plot from the results of bench/run.sh.")
  static final class BenchReportCommand implements Callable<Integer> {
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

  /** The exit status of a node that halted (a broken invariant or a failed disk write). */
  static final int HALTED_EXIT_STATUS = 70;

  /**
   * A halted node exits, as etcd panics: a process that looks alive but serves nothing would
   * mislead its supervisor and load balancers. Off the event loop, which closing Vert.x needs.
   */
  private static void exit(Vertx vertx) {
    new Thread(() -> {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
      System.exit(HALTED_EXIT_STATUS);
    }, "raftkv-halt").start();
  }

  interface Deployer {
    Future<String> deploy(Vertx vertx);
  }

  interface Plan {
    Deployer plan(NodeConfig config) throws NodeConfig.ConfigException;
  }

  private static int run(CommonOptions common, Plan plan) {
    Deployer deployer;
    NodeConfig config;
    try {
      config = common.load();
      deployer = plan.plan(config);
    } catch (NodeConfig.ConfigException e) {
      System.err.println("raftkv: " + e.getMessage());
      return 2;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    try {
      deployer.deploy(vertx).await();
    } catch (Exception e) {
      LOG.error("could not start: {}", e.getMessage(), e);
      System.err.println("raftkv: could not start: " + e.getMessage());
      vertx.close();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }, "raftkv-shutdown"));
    LOG.info("{} is serving", config.isGateway() ? "gateway" : "node " + config.nodeId());
    try {
      Thread.currentThread().join(); // serve until killed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
