package raftkv.frontend;

import raftkv.kv.KvCommand;
import raftkv.kv.KvResult;
import raftkv.node.NodeRequest;
import raftkv.node.RangeReply;
import raftkv.node.ReadReply;

/**
 * A client's key-value request, parsed and checked (see {@link KvRequestParser}). It knows what to
 * ask of the node and how to turn the node's reply into the client's answer.
 */
public sealed interface KvRequest {

  /** Writes change the store; a write whose fate is unknown is answered 504, a read never is. */
  boolean isWrite();

  /** What to send to the node's {@code RaftVerticle}. */
  NodeRequest toNodeRequest();

  /** The client's answer to the node's successful reply to {@link #toNodeRequest()}. */
  HttpAnswer answer(Object nodeReply);

  /** {@code PUT /v1/kv/{key}}; {@code keepIdMs}: how long the request id is remembered. */
  record PutKey(String key, byte[] value, long prevRevision, String requestId, long keepIdMs)
      implements KvRequest {
    @Override
    public boolean isWrite() {
      return true;
    }

    @Override
    public NodeRequest toNodeRequest() {
      return new NodeRequest.Write(new KvCommand.Put(key, value, prevRevision, requestId),
          keepIdMs);
    }

    @Override
    public HttpAnswer answer(Object nodeReply) {
      return KvAnswers.putDone((KvResult) nodeReply, key);
    }
  }

  /** {@code GET /v1/kv/{key}}. */
  record GetKey(String key, boolean linearizable) implements KvRequest {
    @Override
    public boolean isWrite() {
      return false;
    }

    @Override
    public NodeRequest toNodeRequest() {
      return new NodeRequest.Read(key, linearizable);
    }

    @Override
    public HttpAnswer answer(Object nodeReply) {
      return KvAnswers.value((ReadReply) nodeReply, key);
    }
  }

  /** {@code DELETE /v1/kv/{key}}; {@code keepIdMs}: how long the request id is remembered. */
  record DeleteKey(String key, long prevRevision, String requestId, long keepIdMs)
      implements KvRequest {
    @Override
    public boolean isWrite() {
      return true;
    }

    @Override
    public NodeRequest toNodeRequest() {
      return new NodeRequest.Write(new KvCommand.Delete(key, prevRevision, requestId), keepIdMs);
    }

    @Override
    public HttpAnswer answer(Object nodeReply) {
      return KvAnswers.deleteDone((KvResult) nodeReply, key);
    }
  }

  /**
   * {@code GET /v1/kv?prefix=P}. The node is asked for one key more than the limit, to learn
   * whether the listing was cut short ({@link ClientHeaders#MORE_KEYS}).
   */
  record ListKeys(String prefix, int limit, boolean linearizable, boolean withValues)
      implements KvRequest {
    @Override
    public boolean isWrite() {
      return false;
    }

    @Override
    public NodeRequest toNodeRequest() {
      int oneMore = limit == Integer.MAX_VALUE ? limit : limit + 1;
      return new NodeRequest.Range(prefix, oneMore, linearizable);
    }

    @Override
    public HttpAnswer answer(Object nodeReply) {
      return KvAnswers.listing((RangeReply) nodeReply, limit, withValues);
    }
  }
}
