package raftkv.node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
import raftkv.kv.EventHistory;
import raftkv.kv.KvCommand;
import raftkv.kv.KvResult;

/**
 * How a front end asks its node. Each method is called on the front end's event loop and
 * completes there. A request the node does not serve fails with a {@link NodeFailure}, whose type
 * says what the client may conclude; a node that does not answer within {@code timeoutMs} is a
 * {@link NodeFailure.OutcomeUnknown}.
 *
 * <p>{@link RaftVerticle#channel()} is the node's own; tests stand in for a node with their own
 * {@link #direct} channel.
 */
public interface NodeChannel {

  /** Proposes a write; completes once it is committed and applied on this node. */
  Future<KvResult> write(KvCommand command, long keepIdMs, long timeoutMs);

  /** Reads one key; a linearizable read goes through ReadIndex, a stale one reads local state. */
  Future<ReadReply> read(String key, boolean linearizable, long timeoutMs);

  /** One page of a listing. */
  Future<RangeReply> range(NodeRequest.Range range, long timeoutMs);

  /** The body of {@code GET /v1/cluster}; {@code withDigest} adds the state digest. */
  Future<JsonObject> status(boolean withDigest, long timeoutMs);

  /**
   * A membership request: {@link NodeRequest.Members} on any node, the changes and {@link
   * NodeRequest.TransferLeader} on the leader. The reply is the JSON body for the client.
   */
  Future<JsonObject> membership(NodeRequest request, long timeoutMs);

  /** Renews a lease (on the leader). */
  Future<LeaseReply> keepAlive(long lease, long timeoutMs);

  /** Looks a lease up, with the first {@code keyLimit} of its keys (on the leader). */
  Future<LeaseReply> lease(long lease, int keyLimit, long timeoutMs);

  /**
   * The node's recent changes, which watchers read from the front end's loop; null when the node
   * keeps none (a test's stand-in).
   */
  EventHistory history();

  /**
   * Who the node last knew to lead, read without asking it: a follower's front end forwards a
   * request straight there. It may be out of date by the time it is read; the leader it names
   * refuses what it cannot serve.
   */
  LeaderHint knownLeader();

  /** What serves a {@link #direct} channel's requests: called on the asker's thread. */
  interface Server {
    /** Serves {@code request} (hopping to its own loop as it needs), answering {@code reply}. */
    void serve(NodeRequest request, NodeReply reply);
  }

  /** A channel that hands each request to {@code server} with a {@link NodeReply.Direct}. */
  static NodeChannel direct(Vertx vertx, Server server, Supplier<LeaderHint> knownLeader) {
    return direct(vertx, server, knownLeader, null);
  }

  /** As above, with the node's change history for watchers. */
  static NodeChannel direct(Vertx vertx, Server server, Supplier<LeaderHint> knownLeader,
      EventHistory history) {
    return new NodeChannel() {
      @Override
      public Future<KvResult> write(KvCommand command, long keepIdMs, long timeoutMs) {
        return ask(new NodeRequest.Write(command, keepIdMs), timeoutMs, KvResult.class);
      }

      @Override
      public Future<ReadReply> read(String key, boolean linearizable, long timeoutMs) {
        return ask(new NodeRequest.Read(key, linearizable), timeoutMs, ReadReply.class);
      }

      @Override
      public Future<RangeReply> range(NodeRequest.Range range, long timeoutMs) {
        return ask(range, timeoutMs, RangeReply.class);
      }

      @Override
      public Future<JsonObject> status(boolean withDigest, long timeoutMs) {
        return ask(new NodeRequest.Status(withDigest), timeoutMs, JsonObject.class);
      }

      @Override
      public Future<JsonObject> membership(NodeRequest request, long timeoutMs) {
        return ask(request, timeoutMs, JsonObject.class);
      }

      @Override
      public Future<LeaseReply> keepAlive(long lease, long timeoutMs) {
        return ask(new NodeRequest.KeepAlive(lease), timeoutMs, LeaseReply.class);
      }

      @Override
      public Future<LeaseReply> lease(long lease, int keyLimit, long timeoutMs) {
        return ask(new NodeRequest.LeaseStatus(lease, keyLimit), timeoutMs, LeaseReply.class);
      }

      @Override
      public EventHistory history() {
        return history;
      }

      @Override
      public LeaderHint knownLeader() {
        return knownLeader.get();
      }

      private <T> Future<T> ask(NodeRequest request, long timeoutMs, Class<T> replyType) {
        Promise<Object> promise = Promise.promise();
        server.serve(request, new NodeReply.Direct(vertx, promise, timeoutMs));
        return promise.future().map(replyType::cast);
      }
    };
  }
}
