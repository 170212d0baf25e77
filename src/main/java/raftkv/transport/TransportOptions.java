package raftkv.transport;

/**
 * Limits and timeouts of the transport. {@link #defaults()} suit a LAN; tests shrink them.
 *
 * @param maxInflightRequests POSTs on their way to one peer at once; more messages wait in the
 *     peer's queue and go out together in the next POST
 * @param maxBatchBytes about how many bytes one POST carries (a single larger message still goes,
 *     alone); keep it well below the receiver's {@code maxBodyBytes}
 * @param maxQueuedMessages messages waiting for one peer; beyond this the oldest are dropped
 * @param maxQueuedBytes estimated bytes waiting for one peer; beyond this the oldest are dropped
 * @param connectTimeoutMs how long connecting to a peer may take
 * @param requestTimeoutMs how long a POST may wait for any byte of the answer before it fails
 *     (the peer answers once it has taken the messages in, so this is not a disk wait)
 * @param maxBodyBytes the largest request body this node accepts (413 beyond)
 * @param warningIntervalMs at most one warning per this interval per peer while it cannot be
 *     reached, and for refused RPCs; the rest goes to DEBUG
 */
public record TransportOptions(
    int maxInflightRequests,
    long maxBatchBytes,
    int maxQueuedMessages,
    long maxQueuedBytes,
    int connectTimeoutMs,
    int requestTimeoutMs,
    long maxBodyBytes,
    long warningIntervalMs) {

  private static final long MIB = 1 << 20;

  public TransportOptions {
    positive("maxInflightRequests", maxInflightRequests);
    positive("maxBatchBytes", maxBatchBytes);
    positive("maxQueuedMessages", maxQueuedMessages);
    positive("maxQueuedBytes", maxQueuedBytes);
    positive("connectTimeoutMs", connectTimeoutMs);
    positive("requestTimeoutMs", requestTimeoutMs);
    positive("maxBodyBytes", maxBodyBytes);
    positive("warningIntervalMs", warningIntervalMs);
  }

  public static TransportOptions defaults() {
    return new TransportOptions(4, 4 * MIB, 10_000, 64 * MIB, 1_000, 5_000, 64 * MIB, 10_000);
  }

  public TransportOptions withQueueLimits(int messages, long bytes) {
    return new TransportOptions(maxInflightRequests, maxBatchBytes, messages, bytes,
        connectTimeoutMs, requestTimeoutMs, maxBodyBytes, warningIntervalMs);
  }

  public TransportOptions withMaxBodyBytes(long bytes) {
    return new TransportOptions(maxInflightRequests, maxBatchBytes, maxQueuedMessages,
        maxQueuedBytes, connectTimeoutMs, requestTimeoutMs, bytes, warningIntervalMs);
  }

  public TransportOptions withTimeouts(int connectMs, int requestMs) {
    return new TransportOptions(maxInflightRequests, maxBatchBytes, maxQueuedMessages,
        maxQueuedBytes, connectMs, requestMs, maxBodyBytes, warningIntervalMs);
  }

  private static void positive(String name, long value) {
    if (value < 1) throw new IllegalArgumentException(name + " must be >= 1, got " + value);
  }
}
