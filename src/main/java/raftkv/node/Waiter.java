package raftkv.node;

/**
 * A client request waiting on a {@link Replica}: a write for its entry to be applied, a read for
 * its ReadIndex round. Exactly one of the two methods is called, once, on the replica's thread.
 *
 * @param <T> what a success carries: the state machine's result for a write, nothing for a read
 *     (the host reads its state machine once told it may)
 */
public interface Waiter<T> {

  void succeeded(T value);

  void failed(Failure failure, String why);
}
