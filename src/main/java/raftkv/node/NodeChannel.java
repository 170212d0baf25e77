package raftkv.node;

import io.vertx.core.Future;

/**
 * How a front end asks its node: a {@link NodeRequest} in, its reply (or a failure) out, on the
 * caller's event loop. {@link RaftVerticle#channel()} is the node's own; tests stand in for a
 * node with their own channel.
 *
 * <p>Replies: a {@link NodeRequest.Write} answers a {@link raftkv.kv.KvResult}; a
 * {@link NodeRequest.Read} a {@link ReadReply}; a {@link NodeRequest.Range} a {@link RangeReply};
 * a {@link NodeRequest.Status} a {@link io.vertx.core.json.JsonObject} (the body of
 * {@code GET /v1/cluster}); the membership requests a {@link io.vertx.core.json.JsonObject} too.
 *
 * <p>Failures are {@code ReplyException}s: {@code TIMEOUT} when the node did not answer in time,
 * {@code RECIPIENT_FAILURE} with one of these codes when it refused:
 *
 * <ul>
 *   <li>{@link #NOT_LEADER}: this node does not lead; the message is the leader's id, or "0" when
 *       none is known, then (when this node knows it) a space and the leader's client URL.
 *       Nothing was written: forward to the leader or retry.
 *   <li>{@link #CONFLICT} (409): a membership change that cannot be made now (another is under
 *       way, the learner lags); {@link #BAD_REQUEST} (400) and {@link #NOT_FOUND} (404): one that
 *       can never be made as asked. Nothing was written.
 *   <li>{@link #UNAVAILABLE} (503): no leader reachable, or the node is starting, shutting down
 *       or halted; nothing was written.
 *   <li>{@link #OUTCOME_UNKNOWN} (504): leadership was lost or the node stopped while the write
 *       was in flight; it may or may not commit.
 *   <li>{@link #OVERLOADED} (429): the node refuses new work for now; nothing was written.
 * </ul>
 */
public interface NodeChannel {

  int NOT_LEADER = 421;
  int UNAVAILABLE = 503;
  int OUTCOME_UNKNOWN = 504;
  int OVERLOADED = 429;
  int CONFLICT = 409;
  int BAD_REQUEST = 400;
  int NOT_FOUND = 404;

  /** Asks the node; the future completes on the caller's context. Call on an event loop. */
  Future<Object> ask(NodeRequest request, long timeoutMs);
}
