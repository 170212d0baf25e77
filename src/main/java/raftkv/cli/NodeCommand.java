package raftkv.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import raftkv.config.ConfigException;
import raftkv.frontend.FrontEndVerticle;
import raftkv.metrics.Metrics;
import raftkv.node.RaftVerticle;

/** {@code raftkv node}: one Raft member and its client front end, in one process. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run one Raft node and its client front end.",
    footer = {"", "Exit status: 2 for a bad configuration, 1 when it cannot start, "
        + Server.HALTED_EXIT_STATUS + " when it stopped after an internal error or a failed disk"
        + " write (restart it: it recovers from its data directory)."})
final class NodeCommand implements Callable<Integer> {

  @Mixin ConfigOptions options = new ConfigOptions();

  @Option(names = "--repair", description = "truncate a damaged log at its first bad record")
  boolean repair;

  @Option(names = "--join", split = ",", paramLabel = "URL",
      description = "join an existing cluster: ask the members at these client URLs to add this"
          + " node as a learner (it learns the configuration from the leader's log; promote it"
          + " with POST /v1/members/{id}/promote once it has caught up)")
  List<String> join = List.of();

  @Override
  public Integer call() {
    return Server.run(options, config -> {
      if (config.isGateway()) {
        throw new ConfigException(options.config
            + ": nodeId is 0 (a gateway); use 'raftkv gateway' or set nodeId");
      }
      RaftVerticle node = new RaftVerticle(config, config.storageOptions(repair)).joining(join);
      return new Server.Deployer() {
        @Override
        public Future<String> deploy(Vertx vertx, Metrics metrics) {
          node.onHalt(cause -> Server.exitHalted(vertx)).metrics(metrics);
          return vertx.deployVerticle(node).compose(id -> vertx.deployVerticle(
              FrontEndVerticle.inNode(config, node.channel()).metrics(metrics)));
        }

        @Override
        public Future<?> beforeClose() {
          return node.handOverLeadership();
        }
      };
    });
  }
}
