package raftkv.gateway;

import raftkv.config.NodeConfig;
import raftkv.frontend.FrontEndVerticle;

/**
 * The standalone gateway: a front end with no node of its own that finds the leader by polling
 * every member's {@code GET /v1/cluster} ({@link LeaderFinder}) and forwards every request to it
 * ({@link GatewayDispatcher}), retrying within the client's deadline.
 */
public final class Gateway {

  private Gateway() {}

  /** The gateway's front end; deploy it in a Vertx of its own process. */
  public static FrontEndVerticle frontEnd(NodeConfig config) {
    if (!config.isGateway()) {
      throw new IllegalArgumentException("a gateway has nodeId 0, not " + config.nodeId());
    }
    return new FrontEndVerticle(config,
        (vertx, forwarder, tls) -> GatewayDispatcher.start(vertx, config, forwarder, tls));
  }
}
