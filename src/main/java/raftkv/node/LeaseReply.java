package raftkv.node;

import java.util.List;

/**
 * The leader's answer about one lease, to a keep-alive or a look-up.
 *
 * @param exists false when the lease does not exist (expired, revoked, never granted, or being
 *     expired); the other fields are then 0 and empty
 * @param ttlMs the lease's time to live
 * @param remainingMs how long it has left on the leader's clock (after a keep-alive: ttlMs)
 * @param keyCount how many keys are attached to it
 * @param keys the first of them, in key order (none for a keep-alive)
 */
public record LeaseReply(long lease, boolean exists, long ttlMs, long remainingMs, int keyCount,
    List<String> keys) {

  public static LeaseReply absent(long lease) {
    return new LeaseReply(lease, false, 0, 0, 0, List.of());
  }
}
