package raftkv.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import raftkv.config.ConfigException;
import raftkv.gateway.Gateway;

/** {@code raftkv gateway}: a standalone front end that follows the leader. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
    description = "Run a standalone front end that follows the leader.")
final class GatewayCommand implements Callable<Integer> {

  @Mixin ConfigOptions options = new ConfigOptions();

  @Override
  public Integer call() {
    return Server.run(options, config -> {
      if (!config.isGateway()) {
        throw new ConfigException(options.config + ": nodeId is " + config.nodeId()
            + "; a gateway needs nodeId 0");
      }
      return (vertx, metrics) -> vertx.deployVerticle(Gateway.frontEnd(config).metrics(metrics));
    });
  }
}
