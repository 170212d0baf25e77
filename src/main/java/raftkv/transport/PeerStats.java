package raftkv.transport;

import io.vertx.core.json.JsonObject;

/**
 * What the transport has done for one peer since it started, for {@code /v1/cluster} and
 * benchmarks.
 *
 * @param peerId the peer's node id
 * @param address where its messages go ({@code host:port})
 * @param requests POSTs started
 * @param failedRequests POSTs that failed: no connection, a timeout, or an answer other than 204
 * @param deliveredMessages messages the peer took in (their POST was answered 204)
 * @param lostMessages messages of failed POSTs; the peer may or may not have them
 * @param droppedMessages messages never sent: dropped, oldest first, from a full queue
 * @param queuedMessages messages waiting for a free request slot now
 * @param queuedBytes their estimated size
 * @param inflightRequests POSTs on their way now
 */
public record PeerStats(
    int peerId,
    String address,
    long requests,
    long failedRequests,
    long deliveredMessages,
    long lostMessages,
    long droppedMessages,
    int queuedMessages,
    long queuedBytes,
    int inflightRequests) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("peerId", peerId)
        .put("address", address)
        .put("requests", requests)
        .put("failedRequests", failedRequests)
        .put("deliveredMessages", deliveredMessages)
        .put("lostMessages", lostMessages)
        .put("droppedMessages", droppedMessages)
        .put("queuedMessages", queuedMessages)
        .put("queuedBytes", queuedBytes)
        .put("inflightRequests", inflightRequests);
  }
}
