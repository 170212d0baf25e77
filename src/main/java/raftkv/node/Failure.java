package raftkv.node;

/**
 * Why a client request waiting on a {@link Replica} was not served. What the client may conclude
 * differs, so each gets its own answer (docs/API.md: 503 means nothing was written, 504 that a write
 * may or may not be committed).
 */
public enum Failure {
  /** This node does not lead (any more): nothing was done. Ask the leader. */
  NOT_LEADER,
  /** The write can never be applied: another leader's entry took its place in the log. */
  NOT_APPLIED,
  /**
   * The write is in the log but this node can no longer tell whether it commits: leadership was
   * lost, or the node stopped, while it was in flight. A retry with the same request id is safe.
   */
  OUTCOME_UNKNOWN,
  /** The node stopped before it could serve the request; a read changes nothing, so retry. */
  UNAVAILABLE
}
