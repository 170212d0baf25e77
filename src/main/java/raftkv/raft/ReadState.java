package raftkv.raft;

/**
 * A linearizable read that may now be served: once the state machine has applied {@code index},
 * reading local state reflects every write committed before the read was requested (Raft §6.4).
 *
 * @param context the caller's identifier for the read, echoed back
 */
public record ReadState(long context, long index) {}
