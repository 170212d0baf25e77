package raftkv.server;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * The local event-bus contract between a front end and its node. The front end sends a
 * {@link NodeRequest}; replies land on the sender's own event loop.
 *
 * <p>Failure codes (on {@code ReplyException.failureCode()}):
 *
 * <ul>
 *   <li>{@link #NOT_LEADER}: this node does not lead; the message is the leader's id, or "0" when
 *       none is known. Nothing was written: forward to the leader or retry.
 *   <li>{@link #UNAVAILABLE} (503): no leader reachable, or the node is shutting down; nothing was
 *       written.
 *   <li>{@link #OUTCOME_UNKNOWN} (504): leadership was lost while the write was in flight; it may
 *       or may not commit.
 *   <li>{@link #OVERLOADED} (429): too many requests in flight; nothing was written.
 * </ul>
 */
public final class NodeBus {

  public static final int NOT_LEADER = 421;
  public static final int UNAVAILABLE = 503;
  public static final int OUTCOME_UNKNOWN = 504;
  public static final int OVERLOADED = 429;

  private NodeBus() {}

  public static String address(int nodeId) {
    return "raftkv.node." + nodeId;
  }

  /** Lets {@link NodeRequest}s and their replies travel by reference. Idempotent per Vertx. */
  public static synchronized void registerCodecs(Vertx vertx) {
    register(vertx, NodeRequest.Write.class);
    register(vertx, NodeRequest.Read.class);
    register(vertx, NodeRequest.Range.class);
    register(vertx, NodeRequest.Status.class);
    register(vertx, ReadReply.class);
    register(vertx, RangeReply.class);
    register(vertx, raftkv.kv.KvResult.class);
  }

  private static <T> void register(Vertx vertx, Class<T> type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new LocalCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle in this Vertx registered it first
    }
  }

  /** Passes objects by reference on the local bus; refuses to cross a network. */
  private record LocalCodec<T>(Class<T> type) implements MessageCodec<T, T> {
    @Override
    public void encodeToWire(Buffer buffer, T t) {
      throw new UnsupportedOperationException(type.getSimpleName() + " is local only");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException(type.getSimpleName() + " is local only");
    }

    @Override
    public T transform(T t) {
      return t;
    }

    @Override
    public String name() {
      return "local-" + type.getName();
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
