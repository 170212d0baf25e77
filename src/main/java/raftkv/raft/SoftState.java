package raftkv.raft;

/** Volatile facts about the node the driver may want to watch: who leads, in which term. */
public record SoftState(Role role, long term, int leaderId) {

  public static final int NO_LEADER = 0;
}
