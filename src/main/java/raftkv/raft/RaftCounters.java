package raftkv.raft;

/**
 * What the core has done since it started, for metrics: counts only grow. Read it on the core's
 * own thread ({@link RaftNode#counters()}); the host copies it out from there.
 *
 * @param preVotesStarted pre-vote rounds this node started (§9.6): each is an election timeout
 *     that ran out, or an unanswered pre-vote round that timed out again
 * @param electionsStarted real elections: terms this node stood in as a candidate
 * @param electionsWon terms this node won
 * @param leaderChanges terms in which this node learned of a leader (itself included): every
 *     election that ended with a leader it heard of, also one that re-elected the same node
 * @param readIndexRounds ReadIndex rounds started as leader (each confirms leadership with a
 *     quorum for a batch of linearizable reads)
 */
public record RaftCounters(long preVotesStarted, long electionsStarted, long electionsWon,
    long leaderChanges, long readIndexRounds) {}
