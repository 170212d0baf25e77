package raftkv.frontend;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import raftkv.node.NodeRequest;

/**
 * Where a front end sends the requests it has parsed: to its own node (which may forward them to
 * the leader), or, in a standalone gateway, straight to the leader. The returned futures never
 * fail for an expected reason: every outcome is an answer for the client.
 */
public interface ClientDispatcher {

  /** Makes the dispatcher of a front end when it starts, on its event loop. */
  interface Factory {
    ClientDispatcher create(Vertx vertx, LeaderForwarder forwarder, raftkv.security.Tls tls);
  }

  /** Serves a key-value request by the deadline. */
  Future<HttpAnswer> kv(KvRequest request, ForwardableRequest original, Deadline deadline);

  /** The body of {@code GET /v1/cluster} ({@code ?digest=true} sets {@code withDigest}). */
  Future<HttpAnswer> cluster(boolean withDigest, Deadline deadline);

  /**
   * Serves a membership request ({@code /v1/members}, {@code /v1/leader}): the leader makes the
   * change (a node that does not lead forwards {@code original} to it), and {@link
   * raftkv.node.NodeRequest.Members} is answered by whichever node is asked.
   */
  Future<HttpAnswer> membership(NodeRequest request, ForwardableRequest original,
      Deadline deadline);

  /**
   * Why this front end cannot serve linearizable requests now (no leader known, a log that lags,
   * a node that is not a member); empty when it can. Never fails.
   */
  Future<List<String>> notReadyBecause(Deadline deadline);

  /**
   * The node's change history, which this front end serves watches from; null for a gateway,
   * which relays them ({@link #relayWatch}).
   */
  default raftkv.kv.EventHistory history() {
    return null;
  }

  /**
   * A gateway's watch: relays a node's stream to {@code response}, as the parsed {@code request}
   * asks. Front ends with a {@link #history()} never call it.
   */
  default void relayWatch(WatchRequest request, io.vertx.ext.web.RoutingContext rc) {
    HttpAnswer.error(404, "watches are not served here").writeTo(rc.response());
  }

  /** Ends the watch streams it relays, each with where to resume (a gateway stopping). */
  default void endWatches() {}

  /** Stops timers and closes connections. */
  Future<Void> close();
}
