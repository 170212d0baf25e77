package raftkv.raft;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Settings of one Raft node, made with {@link #builder}. Time is counted in ticks: the driver
 * decides how long a tick is.
 *
 * @param id this node's id (ids are positive)
 * @param members the voters the cluster was bootstrapped with, this node included; empty for a
 *     node that joins an existing cluster (it learns the configuration from the leader's log)
 * @param addresses the hosts' addresses of the bootstrap members (may be empty), recorded with
 *     them when the first leader writes the configuration into the log
 * @param electionTicks the base election timeout; each timeout is drawn from
 *     [electionTicks, 2 * electionTicks) (Raft §5.2)
 * @param heartbeatTicks how often a leader sends heartbeats
 * @param maxInflightAppends AppendEntries messages in flight per follower (pipelining bound)
 * @param maxEntriesPerAppend entries per AppendEntries message
 * @param maxBytesPerAppend approximate bytes per AppendEntries message
 * @param maxCommittedPerReady committed entries handed out in one {@link Ready} (etcd's
 *     MaxCommittedSizePerReady): a node catching up on a long log applies it in slices, and its
 *     driver serves other events in between
 * @param maxPromotionLag how far behind the leader's commit index a learner's log may end and
 *     still be promoted to voter (a voter that needs a long catch-up would weaken the majority)
 * @param compactionMargin entries kept in memory before a snapshot's index when the log is
 *     compacted, so that a follower slightly behind still gets entries rather than a snapshot
 * @param preVote run a pre-vote before a real election (dissertation §9.6)
 * @param checkQuorum a leader steps down when it has not heard from a majority for an election
 *     timeout, and followers that heard from a leader recently ignore disruptive vote requests
 * @param batchReads linearizable reads share leadership rounds (§6.4 batched, one round in
 *     flight); false gives every read a round and a heartbeat per peer of its own, which only
 *     exists to measure what batching is worth
 * @param random the source of election jitter; seeded by the caller, so runs are reproducible
 * @param sabotage deliberately broken behaviours, for tests of the tests only
 */
public record RaftConfig(int id, List<Integer> members, Map<Integer, String> addresses,
    int electionTicks, int heartbeatTicks,
    int maxInflightAppends, int maxEntriesPerAppend, int maxBytesPerAppend,
    int maxCommittedPerReady, long maxPromotionLag, long compactionMargin, boolean preVote, boolean checkQuorum, boolean batchReads,
    RandomGenerator random, Set<Sabotage> sabotage) {

  public RaftConfig {
    members = List.copyOf(members);
    addresses = Map.copyOf(addresses);
    sabotage = sabotage.isEmpty() ? Set.of() : EnumSet.copyOf(sabotage);
    if (id <= 0) throw new IllegalArgumentException("ids must be > 0");
    if (!members.isEmpty() && !members.contains(id)) {
      throw new IllegalArgumentException("members must include " + id + " (or be empty, to join)");
    }
    if (members.stream().anyMatch(m -> m <= 0)) throw new IllegalArgumentException("ids must be > 0");
    if (heartbeatTicks < 1 || electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException("need 1 <= heartbeatTicks < electionTicks");
    }
    if (maxInflightAppends < 1 || maxEntriesPerAppend < 1 || maxBytesPerAppend < 1
        || maxCommittedPerReady < 1 || compactionMargin < 0 || maxPromotionLag < 0) {
      throw new IllegalArgumentException("replication and apply limits must be positive");
    }
  }

  /**
   * Starts from defaults that suit a LAN: with 50 ms ticks, heartbeats every 100 ms, elections
   * after 0.5-1 s; pre-vote, check-quorum and batched reads on.
   */
  public static Builder builder(int id, List<Integer> members, RandomGenerator random) {
    return new Builder(id, members, random);
  }

  boolean broken(Sabotage s) {
    return sabotage.contains(s);
  }

  /** The configuration the cluster started with: every bootstrap member a voter. */
  public Membership bootstrap() {
    List<Membership.Member> out = new ArrayList<>();
    for (int m : members) out.add(new Membership.Member(m, true, addresses.getOrDefault(m, "")));
    return new Membership(out);
  }

  /** Builds a {@link RaftConfig}; each setter says what it changes from the defaults. */
  public static final class Builder {
    private final int id;
    private final List<Integer> members;
    private final RandomGenerator random;
    private int electionTicks = 10;
    private int heartbeatTicks = 2;
    private int maxInflightAppends = 32;
    private int maxEntriesPerAppend = 512;
    private int maxBytesPerAppend = 1 << 20;
    private int maxCommittedPerReady = 4096;
    private long compactionMargin = 0;
    private long maxPromotionLag = 1000;
    private Map<Integer, String> addresses = Map.of();
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private boolean batchReads = true;
    private Set<Sabotage> sabotage = Set.of();

    private Builder(int id, List<Integer> members, RandomGenerator random) {
      this.id = id;
      this.members = members;
      this.random = random;
    }

    public Builder ticks(int election, int heartbeat) {
      electionTicks = election;
      heartbeatTicks = heartbeat;
      return this;
    }

    public Builder maxInflightAppends(int messages) {
      maxInflightAppends = messages;
      return this;
    }

    public Builder maxEntriesPerAppend(int entries) {
      maxEntriesPerAppend = entries;
      return this;
    }

    public Builder maxBytesPerAppend(int bytes) {
      maxBytesPerAppend = bytes;
      return this;
    }

    public Builder maxCommittedPerReady(int entries) {
      maxCommittedPerReady = entries;
      return this;
    }

    public Builder compactionMargin(long entries) {
      compactionMargin = entries;
      return this;
    }

    public Builder maxPromotionLag(long entries) {
      maxPromotionLag = entries;
      return this;
    }

    public Builder addresses(Map<Integer, String> byId) {
      addresses = byId;
      return this;
    }

    public Builder preVote(boolean on) {
      preVote = on;
      return this;
    }

    public Builder checkQuorum(boolean on) {
      checkQuorum = on;
      return this;
    }

    public Builder batchReads(boolean on) {
      batchReads = on;
      return this;
    }

    public Builder sabotage(Set<Sabotage> broken) {
      sabotage = broken;
      return this;
    }

    public RaftConfig build() {
      return new RaftConfig(id, members, addresses, electionTicks, heartbeatTicks,
          maxInflightAppends, maxEntriesPerAppend, maxBytesPerAppend, maxCommittedPerReady,
          maxPromotionLag, compactionMargin, preVote, checkQuorum, batchReads, random, sabotage);
    }
  }
}
