package raftkv.kv;

/**
 * Hears what applying entries does to a {@link KvStateMachine}, as it happens, on the thread that
 * applies: the changes watchers are sent ({@link #changed}), and the leases that begin and end,
 * whose deadlines the leader keeps. Observers must be quick and must not throw.
 */
public interface KvObserver {

  /** Observes nothing. */
  KvObserver NONE = new KvObserver() {};

  /** A key changed; called once per revision, in revision order. */
  default void changed(KvEvent event) {}

  /**
   * A lease was granted by the entry at {@code index} of {@code term} (its id is that index).
   */
  default void leaseGranted(long lease, long ttlMs, long term) {}

  /** A lease ended (revoked, or expired by the leader); its keys were deleted just before. */
  default void leaseEnded(long lease, boolean expired) {}
}
