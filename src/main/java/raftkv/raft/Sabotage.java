package raftkv.raft;

/**
 * Deliberately broken behaviours, switched on only by tests to prove that the simulator catches
 * each of them. Production configuration never sets any.
 */
public enum Sabotage {
  /** Grant votes without the §5.4.1 up-to-date check on the candidate's log. */
  VOTE_WITHOUT_UP_TO_DATE_CHECK,
  /** Commit by counting replicas of an entry from an earlier term (the Figure 8 bug). */
  COMMIT_OLD_TERM,
  /** A follower acknowledges appended entries (and grants votes) before they are durable. */
  ACK_BEFORE_PERSIST
}
