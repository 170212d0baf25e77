package raftkv.frontend;

import io.vertx.core.Future;
import raftkv.kv.KvCommand;
import raftkv.node.NodeChannel;
import raftkv.node.NodeRequest;

/**
 * A client's key-value request, parsed and checked (see {@link KvRequestParser}). It knows what to
 * ask of the node and how to turn the node's reply into the client's answer.
 */
public sealed interface KvRequest {

  /** What the request is, for the advice a failure gives. */
  KvAnswers.Kind kind();

  default boolean isWrite() {
    return kind() != KvAnswers.Kind.READ;
  }

  /**
   * Asks {@code node} and turns its reply into the client's answer; fails with the node's
   * {@link raftkv.node.NodeFailure} when it did not serve the request.
   */
  Future<HttpAnswer> askNode(NodeChannel node, long timeoutMs);

  /**
   * {@code PUT /v1/kv/{key}}; {@code keepIdMs}: how long the request id is remembered; {@code
   * lease}: the lease the key is attached to (0: none).
   */
  record PutKey(String key, byte[] value, long prevRevision, String requestId, long keepIdMs,
      long lease) implements KvRequest {
    @Override
    public KvAnswers.Kind kind() {
      return KvAnswers.Kind.write(requestId);
    }

    @Override
    public Future<HttpAnswer> askNode(NodeChannel node, long timeoutMs) {
      return node.write(new KvCommand.Put(key, value, prevRevision, requestId, lease), keepIdMs,
          timeoutMs).map(result -> KvAnswers.putDone(result, key));
    }
  }

  /** {@code POST /v1/leases}: grant a lease of {@code ttlMs} (already within the bounds). */
  record GrantLease(long ttlMs, String requestId, long keepIdMs) implements KvRequest {
    @Override
    public KvAnswers.Kind kind() {
      return KvAnswers.Kind.write(requestId);
    }

    @Override
    public Future<HttpAnswer> askNode(NodeChannel node, long timeoutMs) {
      return node.write(new KvCommand.Grant(ttlMs, requestId), keepIdMs, timeoutMs)
          .map(LeaseAnswers::granted);
    }
  }

  /** {@code POST /v1/leases/{id}/keepalive}. Safe to repeat, so a read as far as retries go. */
  record KeepAlive(long lease) implements KvRequest {
    @Override
    public KvAnswers.Kind kind() {
      return KvAnswers.Kind.READ;
    }

    @Override
    public Future<HttpAnswer> askNode(NodeChannel node, long timeoutMs) {
      return node.keepAlive(lease, timeoutMs).map(LeaseAnswers::keptAlive);
    }
  }

  /** {@code GET /v1/leases/{id}}: the lease with at most {@code keyLimit} of its keys. */
  record LookUpLease(long lease, int keyLimit) implements KvRequest {
    @Override
    public KvAnswers.Kind kind() {
      return KvAnswers.Kind.READ;
    }

    @Override
    public Future<HttpAnswer> askNode(NodeChannel node, long timeoutMs) {
      return node.lease(lease, keyLimit, timeoutMs).map(LeaseAnswers::status);
    }
  }

  /** {@code DELETE /v1/leases/{id}}: end the lease, deleting its keys in one entry. */
  record RevokeLease(long lease, String requestId, long keepIdMs) implements KvRequest {
    @Override
    public KvAnswers.Kind kind() {
      return KvAnswers.Kind.write(requestId);
    }

    @Override
    public Future<HttpAnswer> askNode(NodeChannel node, long timeoutMs) {
      return node.write(new KvCommand.Revoke(lease, false, requestId), keepIdMs, timeoutMs)
          .map(LeaseAnswers::revoked);
    }
  }

  /** {@code GET /v1/kv/{key}}. */
  record GetKey(String key, boolean linearizable) implements KvRequest {
    @Override
    public KvAnswers.Kind kind() {
      return KvAnswers.Kind.READ;
    }

    @Override
    public Future<HttpAnswer> askNode(NodeChannel node, long timeoutMs) {
      return node.read(key, linearizable, timeoutMs).map(reply -> KvAnswers.value(reply, key));
    }
  }

  /** {@code DELETE /v1/kv/{key}}; {@code keepIdMs}: how long the request id is remembered. */
  record DeleteKey(String key, long prevRevision, String requestId, long keepIdMs)
      implements KvRequest {
    @Override
    public KvAnswers.Kind kind() {
      return KvAnswers.Kind.write(requestId);
    }

    @Override
    public Future<HttpAnswer> askNode(NodeChannel node, long timeoutMs) {
      return node.write(new KvCommand.Delete(key, prevRevision, requestId), keepIdMs, timeoutMs)
          .map(result -> KvAnswers.deleteDone(result, key));
    }
  }

  /**
   * {@code GET /v1/kv?prefix=P&after=K&limit=L}: one page, at most {@code limit} keys (already
   * clamped to the front end's cap) and about {@code maxBytes} of keys and asked-for values.
   *
   * @param after the page starts after this key; null: at the first key with the prefix
   */
  record ListKeys(String prefix, String after, int limit, long maxBytes, boolean linearizable,
      boolean withValues) implements KvRequest {
    @Override
    public KvAnswers.Kind kind() {
      return KvAnswers.Kind.READ;
    }

    @Override
    public Future<HttpAnswer> askNode(NodeChannel node, long timeoutMs) {
      return node.range(new NodeRequest.Range(prefix, after, limit, maxBytes, withValues,
          linearizable), timeoutMs).map(reply -> KvAnswers.listing(reply, withValues));
    }
  }
}
