package raftkv.raft;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Settings of one Raft node. Time is counted in ticks: the driver decides how long a tick is.
 *
 * @param id this node's id (ids are positive)
 * @param members every voting member's id, this node included
 * @param electionTicks the base election timeout; each timeout is drawn from
 *     [electionTicks, 2 * electionTicks) (Raft §5.2)
 * @param heartbeatTicks how often a leader sends heartbeats
 * @param maxInflightAppends AppendEntries messages in flight per follower (pipelining bound)
 * @param maxEntriesPerAppend entries per AppendEntries message
 * @param maxBytesPerAppend approximate bytes per AppendEntries message
 * @param preVote run a pre-vote before a real election (dissertation §9.6)
 * @param checkQuorum a leader steps down when it has not heard from a majority for an election
 *     timeout, and followers that heard from a leader recently ignore disruptive vote requests
 * @param random the source of election jitter; seeded by the caller, so runs are reproducible
 * @param sabotage deliberately broken behaviours, for tests of the tests only
 * @param batchReads linearizable reads share leadership rounds (§6.4 batched, one round in
 *     flight); false gives every read a round and a heartbeat per peer of its own, which only
 *     exists to measure what batching is worth
 */
public record RaftConfig(int id, List<Integer> members, int electionTicks, int heartbeatTicks,
    int maxInflightAppends, int maxEntriesPerAppend, int maxBytesPerAppend, boolean preVote,
    boolean checkQuorum, RandomGenerator random, Set<Sabotage> sabotage, boolean batchReads) {

  public RaftConfig {
    members = List.copyOf(members);
    sabotage = sabotage.isEmpty() ? Set.of() : EnumSet.copyOf(sabotage);
    if (!members.contains(id)) throw new IllegalArgumentException("members must include " + id);
    if (members.stream().anyMatch(m -> m <= 0)) throw new IllegalArgumentException("ids must be > 0");
    if (heartbeatTicks < 1 || electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException("need 1 <= heartbeatTicks < electionTicks");
    }
    if (maxInflightAppends < 1 || maxEntriesPerAppend < 1 || maxBytesPerAppend < 1) {
      throw new IllegalArgumentException("replication limits must be positive");
    }
  }

  /** Defaults that suit a LAN: with 50 ms ticks, heartbeats every 100 ms, elections after 0.5-1 s. */
  public static RaftConfig defaults(int id, List<Integer> members, RandomGenerator random) {
    return new RaftConfig(id, members, 10, 2, 32, 512, 1 << 20, true, true, random, Set.of(),
        true);
  }

  public RaftConfig withSabotage(Set<Sabotage> broken) {
    return new RaftConfig(id, members, electionTicks, heartbeatTicks, maxInflightAppends,
        maxEntriesPerAppend, maxBytesPerAppend, preVote, checkQuorum, random, broken, batchReads);
  }

  public RaftConfig withTicks(int election, int heartbeat) {
    return new RaftConfig(id, members, election, heartbeat, maxInflightAppends,
        maxEntriesPerAppend, maxBytesPerAppend, preVote, checkQuorum, random, sabotage,
        batchReads);
  }

  public RaftConfig withReplicationLimits(int inflight, int entries, int bytes) {
    return new RaftConfig(id, members, electionTicks, heartbeatTicks, inflight, entries, bytes,
        preVote, checkQuorum, random, sabotage, batchReads);
  }

  public RaftConfig withPreVoteAndCheckQuorum(boolean preVoteOn, boolean checkQuorumOn) {
    return new RaftConfig(id, members, electionTicks, heartbeatTicks, maxInflightAppends,
        maxEntriesPerAppend, maxBytesPerAppend, preVoteOn, checkQuorumOn, random, sabotage,
        batchReads);
  }

  public RaftConfig withReadBatching(boolean on) {
    return new RaftConfig(id, members, electionTicks, heartbeatTicks, maxInflightAppends,
        maxEntriesPerAppend, maxBytesPerAppend, preVote, checkQuorum, random, sabotage, on);
  }

  boolean broken(Sabotage s) {
    return sabotage.contains(s);
  }

  int quorum() {
    return members.size() / 2 + 1;
  }
}
