package raftkv.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.ConfigException;
import raftkv.config.NodeConfig;
import raftkv.metrics.Metrics;

/** Runs a node or a gateway in this process until it is killed or halts. */
final class Server {

  private static final Logger LOG = LoggerFactory.getLogger(Server.class);

  /** The exit status of a node that halted (a broken invariant or a failed disk write). */
  static final int HALTED_EXIT_STATUS = 70;

  /** Vert.x warns when an event-loop turn takes longer than this: a bug to look into. */
  private static final long MAX_EVENT_LOOP_TURN_MS = 200;

  private Server() {}

  interface Deployer {
    /** Deploys the node's or gateway's verticles, recording their metrics into {@code metrics}. */
    Future<String> deploy(Vertx vertx, Metrics metrics);

    /**
     * Runs when the process is asked to stop (SIGTERM), before anything closes: a leader hands
     * leadership over first, so a planned restart costs no election timeout.
     */
    default Future<?> beforeClose() {
      return Future.succeededFuture();
    }
  }

  interface Plan {
    Deployer plan(NodeConfig config) throws ConfigException;
  }

  /** 2 for a bad configuration, 1 when it cannot start; otherwise serves until killed. */
  static int run(ConfigOptions options, Plan plan) {
    Deployer deployer;
    NodeConfig config;
    try {
      config = options.load();
      deployer = plan.plan(config);
    } catch (ConfigException e) {
      System.err.println("raftkv: " + e.getMessage());
      return 2;
    }
    ClassPreloader.preload(); // on this thread, not on the event loops about to start
    Metrics metrics = Metrics.of(config).withProcessMetrics();
    Vertx vertx = metrics.withVertxMetrics(Vertx.builder(), new VertxOptions()
        .setMaxEventLoopExecuteTime(MAX_EVENT_LOOP_TURN_MS)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)).build();
    try {
      deployer.deploy(vertx, metrics).await();
    } catch (Exception e) {
      LOG.error("could not start: {}", e.getMessage(), e);
      System.err.println("raftkv: could not start: " + e.getMessage());
      vertx.close();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        deployer.beforeClose().await(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("stopping without handing over first: {}", e.toString());
      }
      close(vertx);
    }, "raftkv-shutdown"));
    LOG.info("{} is serving", config.isGateway() ? "gateway" : "node " + config.nodeId());
    try {
      Thread.currentThread().join(); // serve until killed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /**
   * A halted node exits, as etcd panics: a process that looks alive but serves nothing would
   * mislead its supervisor and load balancers. Off the event loop, which closing Vert.x needs.
   */
  static void exitHalted(Vertx vertx) {
    new Thread(() -> {
      close(vertx);
      System.exit(HALTED_EXIT_STATUS);
    }, "raftkv-halt").start();
  }

  private static void close(Vertx vertx) {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting anyway
    }
  }
}
