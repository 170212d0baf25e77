package raftkv.transport;

/**
 * A request body that is not a well-formed batch of Raft messages. The message says what is
 * wrong and where (for example {@code messages[2].entries[0].term: must be >= 1}); it is sent
 * back to the peer in the 400 answer, so it never contains the cluster token.
 */
public final class MalformedRpcException extends Exception {

  public MalformedRpcException(String message) {
    super(message);
  }
}
