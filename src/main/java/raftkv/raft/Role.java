package raftkv.raft;

/** A node's role. A pre-candidate is polling for a pre-vote (dissertation §9.6). */
public enum Role {
  FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER
}
