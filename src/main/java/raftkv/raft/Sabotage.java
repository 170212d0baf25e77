package raftkv.raft;

/**
 * Deliberately broken behaviours, switched on only by tests to prove that the simulator catches
 * each of them. Production configuration never sets any. Most break the core; {@link
 * #TRUST_RECOVERED_DATA} breaks the storage the simulator runs on, which takes its sabotage from
 * the same set so that one table lists every variant.
 */
public enum Sabotage {
  /** Grant votes without the §5.4.1 up-to-date check on the candidate's log. */
  VOTE_WITHOUT_UP_TO_DATE_CHECK,
  /** Commit by counting replicas of an entry from an earlier term (the Figure 8 bug). */
  COMMIT_OLD_TERM,
  /** A follower acknowledges appended entries (and grants votes) before they are durable. */
  ACK_BEFORE_PERSIST,
  /**
   * A leader serves a linearizable read at its commit index without the quorum round that
   * confirms it still leads (§6.4 step 3): right only while no other leader exists.
   */
  READ_WITHOUT_QUORUM,
  /**
   * Storage: a restart trusts what it reads back without making it durable first, so entries
   * that were only in the page cache when the process was killed are acknowledged as if on disk.
   */
  TRUST_RECOVERED_DATA,
  /**
   * A snapshot is labelled with (and the log compacted up to) the last index rather than the
   * index the state machine had applied: the entries in between are in neither.
   */
  COMPACT_PAST_APPLIED,
  /**
   * A follower installs a snapshot older than its commit index, throwing away entries it has
   * acknowledged when its own compaction has passed the snapshot's index.
   */
  ACCEPT_STALE_SNAPSHOT,
  /**
   * A leader proposes a configuration change while an earlier one is still uncommitted: two
   * single-server steps in flight can form two majorities that do not overlap.
   */
  TWO_CHANGES_IN_FLIGHT,
  /**
   * A new leader proposes a configuration change before an entry of its own term commits (the
   * correction to single-server changes): an uncommitted change of an earlier leader's can then
   * come back and leave two majorities that do not overlap.
   */
  CHANGE_BEFORE_OWN_TERM_COMMITS,
  /**
   * The only voter of a configuration leads as soon as it votes for itself, before that vote is
   * durable: a crash can make it forget the term, win it again, and write a different entry at
   * an index it had already filled in that term.
   */
  LEAD_BEFORE_VOTE_DURABLE
}
