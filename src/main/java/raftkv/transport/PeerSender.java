package raftkv.transport;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.Message;
import raftkv.security.Tls;
import raftkv.util.QuietLog;

/**
 * Sends one peer its messages, in order, batched, without ever blocking or throwing: a lost
 * message is not an error in Raft, whose heartbeats and retries make up for it.
 *
 * <p><b>Batching.</b> {@link #send} only queues. At the end of the event loop's current turn, and
 * whenever an answer frees a request slot, everything queued (up to {@code maxBatchBytes}) leaves
 * in one POST, with at most {@code maxInflightRequests} POSTs on their way. So a quiet peer gets
 * each message at once, and a busy one gets many per request.
 *
 * <p><b>Order.</b> The POSTs share one keep-alive connection and are pipelined on it: the peer
 * reads them in the order they were sent, so messages arrive in send order unless a request
 * fails. (Several connections would let a small POST overtake a large one, and reordered appends
 * cost the leader a rejection and a retry.)
 *
 * <p><b>Bounds.</b> The queue holds at most {@code maxQueuedMessages} and about
 * {@code maxQueuedBytes}; beyond that the oldest messages are dropped, as the newest carry the
 * latest term and commit index. The messages of a failed POST are not resent. A peer that is down
 * or slow therefore costs a bounded queue, a few requests waiting for their timeout, and a
 * warning now and then; it never delays other peers, which have senders and connections of their
 * own.
 *
 * <p>Everything but {@link #stats} and {@link #updateAddress} runs on the node's event loop.
 */
final class PeerSender {

  private static final Logger LOG = LoggerFactory.getLogger(PeerSender.class);

  private record Queued(Message message, long bytes) {}

  private record Address(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  private record Answer(int status, Buffer body) {}

  private final int selfId;
  private final int peerId;
  private final String token;
  private final TransportOptions options;
  private final Context context;
  private final HttpClientAgent client;
  private final Tls tls;
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private final QuietLog warnings;
  private volatile Address address;
  private long queuedBytes;
  private int inflight;
  private boolean flushScheduled;
  private boolean closed;
  private long failuresInARow;

  // Read from other threads by stats()
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong failedRequests = new AtomicLong();
  private final AtomicLong deliveredMessages = new AtomicLong();
  private final AtomicLong lostMessages = new AtomicLong();
  private final AtomicLong droppedMessages = new AtomicLong();
  private volatile int queuedMessagesNow;
  private volatile long queuedBytesNow;
  private volatile int inflightNow;

  /** Call on the node's event loop ({@code context}): the client's answers land there. */
  PeerSender(Vertx vertx, Context context, int selfId, int peerId, String host, int port,
      String token, TransportOptions options, Tls tls) {
    this.selfId = selfId;
    this.peerId = peerId;
    this.tls = tls;
    this.token = token;
    this.options = options;
    this.context = context;
    this.address = new Address(host, port);
    this.warnings = new QuietLog(LOG, options.warningIntervalMs());
    this.client = vertx.httpClientBuilder()
        .with(tls.peerClient(new HttpClientOptions()
            .setMetricsName("raft-peer-" + peerId)
            .setKeepAlive(true)
            .setPipelining(true)
            .setPipeliningLimit(options.maxInflightRequests())
            .setConnectTimeout(options.connectTimeoutMs()), peerId))
        .with(new PoolOptions().setHttp1MaxSize(1)) // one connection: the order of messages holds
        .withConnectHandler(connection -> connection.exceptionHandler(this::connectionFailed))
        .build();
    tls.track(client, peerId);
  }

  /** Queues {@code m} for the peer. Never blocks, never throws. */
  void send(Message m) {
    if (closed) {
      droppedMessages.incrementAndGet();
      return;
    }
    long bytes = RaftJson.sizeEstimate(m);
    queue.addLast(new Queued(m, bytes));
    queuedBytes += bytes;
    dropOldestBeyondLimits();
    publishQueueSize();
    scheduleFlush();
  }

  /** Where the peer listens now, as host and port. */
  String host() {
    return address.host();
  }

  int port() {
    return address.port();
  }

  /** Where later requests go (earlier ones finish where they started). Any thread. */
  void updateAddress(String host, int port) {
    address = new Address(host, port);
  }

  PeerStats stats() {
    return new PeerStats(peerId, address.toString(), requests.get(), failedRequests.get(),
        deliveredMessages.get(), lostMessages.get(), droppedMessages.get(), queuedMessagesNow,
        queuedBytesNow, inflightNow);
  }

  /** Drops what is queued and closes the connection; requests on their way fail. */
  Future<Void> close() {
    closed = true;
    droppedMessages.addAndGet(queue.size());
    queue.clear();
    queuedBytes = 0;
    publishQueueSize();
    tls.untrack(client);
    return client.close();
  }

  // ------------------------------------------------------------------ queueing

  private void dropOldestBeyondLimits() {
    int dropped = 0;
    // the newest message always stays, even when it alone is over the byte limit
    while (queue.size() > 1 && (queue.size() > options.maxQueuedMessages()
        || queuedBytes > options.maxQueuedBytes())) {
      queuedBytes -= queue.removeFirst().bytes();
      dropped++;
    }
    if (dropped == 0) return;
    long droppedInAll = droppedMessages.addAndGet(dropped);
    warnings.warn("dropped", "node {}: peer {} at {} takes messages slower than they come;"
        + " dropped the oldest of its queue ({} dropped since start)", selfId, peerId, address,
        droppedInAll);
  }

  private void publishQueueSize() {
    queuedMessagesNow = queue.size();
    queuedBytesNow = queuedBytes;
    inflightNow = inflight;
  }

  /**
   * Messages sent in the same turn of the event loop (one round of the Raft core's output, say)
   * leave together, in one POST.
   */
  private void scheduleFlush() {
    if (flushScheduled) return;
    flushScheduled = true;
    context.runOnContext(v -> {
      flushScheduled = false;
      flush();
    });
  }

  private void flush() {
    while (!closed && inflight < options.maxInflightRequests() && !queue.isEmpty()) {
      post(takeBatch());
    }
    publishQueueSize();
  }

  private List<Message> takeBatch() {
    List<Message> batch = new ArrayList<>();
    long bytes = 0;
    while (!queue.isEmpty()) {
      Queued next = queue.peekFirst();
      if (!batch.isEmpty() && bytes + next.bytes() > options.maxBatchBytes()) break;
      queue.removeFirst();
      queuedBytes -= next.bytes();
      bytes += next.bytes();
      batch.add(next.message());
    }
    return batch;
  }

  // ------------------------------------------------------------------ requests

  private void post(List<Message> messages) {
    Buffer body;
    try {
      body = RaftJson.encode(new Batch(selfId, peerId, messages));
    } catch (RuntimeException e) {
      // only a bug can get here (the transport routes by from and to); keep the node running
      LOG.error("node {}: cannot encode {} messages for peer {}; dropped them", selfId,
          messages.size(), peerId, e);
      droppedMessages.addAndGet(messages.size());
      return;
    }
    inflight++;
    requests.incrementAndGet();
    client.request(requestOptions())
        .compose(request -> request.send(body))
        .compose(response -> response.body().map(b -> new Answer(response.statusCode(), b)))
        .onComplete(result -> onAnswer(result, messages.size()));
  }

  private RequestOptions requestOptions() {
    Address to = address;
    return new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(to.host())
        .setPort(to.port())
        .setURI(RaftRpcServer.MESSAGES_PATH)
        .setConnectTimeout(options.connectTimeoutMs())
        .setIdleTimeout(options.requestTimeoutMs())
        .putHeader(RaftRpcServer.TOKEN_HEADER, token)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
  }

  private void onAnswer(AsyncResult<Answer> result, int messages) {
    inflight--;
    publishQueueSize();
    if (closed) return;
    if (result.succeeded() && result.result().status() == 204) {
      delivered(messages);
    } else {
      failed(messages, result.succeeded() ? describe(result.result()) : describe(result.cause()));
    }
    flush();
  }

  private void delivered(int messages) {
    deliveredMessages.addAndGet(messages);
    if (failuresInARow > 0) {
      LOG.info("node {}: peer {} at {} takes messages again, after {} failed requests", selfId,
          peerId, address, failuresInARow);
      failuresInARow = 0;
    }
  }

  private void failed(int messages, String reason) {
    failedRequests.incrementAndGet();
    lostMessages.addAndGet(messages);
    failuresInARow++;
    if (!warnings.warn("failed", "node {}: cannot send to peer {} at {}: {}. Raft resends what"
        + " matters once the peer is back.", selfId, peerId, address, reason)) {
      LOG.debug("node {}: cannot send {} messages to peer {} at {}: {}", selfId, messages, peerId,
          address, reason);
    }
  }

  /**
   * A broken connection also fails the requests on it, which count and report it; without this
   * handler Vert.x would log each one as an ERROR of its own.
   */
  private void connectionFailed(Throwable cause) {
    LOG.debug("node {}: the connection to peer {} at {} failed: {}", selfId, peerId, address,
        describe(cause));
  }

  private static String describe(Answer answer) {
    String body = answer.body().toString(StandardCharsets.UTF_8);
    if (body.length() > 300) body = body.substring(0, 300) + "...";
    return "it answered " + answer.status() + (body.isEmpty() ? "" : " " + body);
  }

  private static String describe(Throwable cause) {
    if (cause instanceof javax.net.ssl.SSLException) return raftkv.security.TlsErrors.describe(cause);
    return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
  }
}
