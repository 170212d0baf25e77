package raftkv.node;

import raftkv.kv.KvCommand;

/**
 * What a front end asks of its node's {@code RaftVerticle}, as {@link NodeChannel}'s methods
 * hand it over. Objects travel by reference, never serialized.
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

  /**
   * One page of the keys with a prefix, after {@code after} (null: from the first), in key order:
   * at most {@code limit} keys, cut short once they hold {@code maxBytes} (see {@link
   * raftkv.kv.KvStateMachine#page}).
   */
  record Range(String prefix, String after, int limit, long maxBytes, boolean withValues,
      boolean linearizable) implements NodeRequest {}

  /**
   * The cluster as this node sees it; with {@code withDigest}, also the state digest, which costs
   * a pass over every key and so is only computed when asked for.
   */
  record Status(boolean withDigest) implements NodeRequest {}

  /** The configuration this node has: voters and learners, with their addresses. */
  record Members() implements NodeRequest {}

  /** Add a member as a learner; the reply comes once the change is committed. */
  record AddLearner(int id, String host, int raftPort, int clientPort) implements NodeRequest {}

  /** Make a caught-up learner a voter (CONFLICT while it lags). */
  record Promote(int id) implements NodeRequest {}

  /** Remove a member; the reply comes once the change is committed. */
  record Remove(int id) implements NodeRequest {}

  /** Hand leadership to voter {@code to} (0: the best); the reply comes once it leads. */
  record TransferLeader(int to) implements NodeRequest {}

  /**
   * Renew a lease (leader only, after a ReadIndex round); the reply is a {@link LeaseReply}.
   */
  record KeepAlive(long lease) implements NodeRequest {}

  /** Look up a lease, with at most {@code keyLimit} of its keys (leader only). */
  record LeaseStatus(long lease, int keyLimit) implements NodeRequest {}

  /** Whether the request must be served by the leader. */
  default boolean changesMembership() {
    return this instanceof AddLearner || this instanceof Promote || this instanceof Remove
        || this instanceof TransferLeader;
  }
}
