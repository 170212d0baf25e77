package raftkv.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * How a front end asks its node: a {@link NodeRequest} in, its reply (or a failure) out, on the
 * caller's event loop. Failures are {@code ReplyException}s with the codes of {@link NodeBus},
 * whichever way the request travels: {@code TIMEOUT} when the node did not answer in time,
 * {@code NO_HANDLERS} when there is no node, {@code RECIPIENT_FAILURE} with a code when the node
 * refused.
 */
public interface NodeChannel {

  /** Asks the node; the future completes on the caller's context. Call on an event loop. */
  Future<Object> ask(NodeRequest request, long timeoutMs);

  /**
   * Over the local event bus, to whatever consumes {@link NodeBus#address(int)}: a node in the
   * same Vertx, or a stand-in in tests. {@link RaftVerticle#channel()} is the direct way.
   */
  static NodeChannel eventBus(Vertx vertx, int nodeId) {
    NodeBus.registerCodecs(vertx);
    String address = NodeBus.address(nodeId);
    return (request, timeoutMs) -> vertx.eventBus()
        .request(address, request, new DeliveryOptions().setSendTimeout(Math.max(1, timeoutMs)))
        .map(Message::body);
  }
}
