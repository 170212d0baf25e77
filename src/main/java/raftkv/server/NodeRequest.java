package raftkv.server;

import raftkv.kv.KvCommand;

/**
 * What a front end asks of its node's {@code RaftVerticle}, over the local event bus at
 * {@link NodeBus#address(int)}. Objects travel by reference (a local codec), never serialized.
 *
 * <p>Replies: a {@link Write} answers a {@link raftkv.kv.KvResult}; a {@link Read} a
 * {@link ReadReply}; a {@link Range} a {@link RangeReply}; a {@link Status} an
 * {@link io.vertx.core.json.JsonObject} (the body of {@code GET /v1/cluster}). Failures use
 * {@code message.fail(code, text)} with the codes of {@link NodeBus}.
 */
public sealed interface NodeRequest {

  /**
   * Propose a write; the reply comes once it is committed and applied on this node.
   *
   * @param keepIdMs how long the command's request id (if any) is remembered once applied
   */
  record Write(KvCommand command, long keepIdMs) implements NodeRequest {}

  /** Read one key; linearizable reads go through ReadIndex, stale ones read local state. */
  record Read(String key, boolean linearizable) implements NodeRequest {}

  /** Keys with a prefix, in key order. */
  record Range(String prefix, int limit, boolean linearizable) implements NodeRequest {}

  /**
   * The cluster as this node sees it; with {@code withDigest}, also the state digest, which costs
   * a pass over every key and so is only computed when asked for.
   */
  record Status(boolean withDigest) implements NodeRequest {}
}
