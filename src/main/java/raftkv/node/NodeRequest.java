package raftkv.node;

import raftkv.kv.KvCommand;

/**
 * What a front end asks of its node's {@code RaftVerticle} through a {@link NodeChannel}. Objects
 * travel by reference, never serialized; the replies and failures are listed on
 * {@link NodeChannel}.
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
