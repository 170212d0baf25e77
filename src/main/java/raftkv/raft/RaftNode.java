package raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One Raft member as a deterministic state machine (etcd raft's {@code raft} + {@code RawNode}).
 *
 * <p>Inputs: {@link #tick()}, {@link #step(Message)}, {@link #propose(String)},
 * {@link #readIndex(long)}, {@link #snapshotTaken(long)}, {@link #reportSnapshot(int, boolean)},
 * {@link #proposeMembership(Membership)}, {@link #transferLeadership(int)}. Output:
 * {@link #ready()}, a batch of work for the driver, which
 * reports back with {@link #advance(Ready)} once the batch's persistence is durable. Nothing here
 * touches a clock, a file, a socket or a thread; the same inputs give the same outputs.
 *
 * <p>Not thread-safe: the driver calls it from one thread (in production, one event loop).
 */
public final class RaftNode {

  private final RaftConfig config;
  private final int id;
  private final RaftLog log;
  /** The configurations in the log; the latest is in effect (dissertation §4.1). */
  private final MembershipHistory memberships;
  /** The voters of {@code votersOf}, the configuration they were computed for. */
  private Membership votersOf;
  private int[] voterIds;

  // Persistent state (Figure 2): durable before any message that depends on it leaves.
  private long term;
  private int votedFor;
  private long commitIndex;
  /** The highest commit index a leader has told this node of (it may not have those entries). */
  private long leaderCommitSeen;

  // Volatile state.
  private Role role = Role.FOLLOWER;
  private int leaderId = SoftState.NO_LEADER;
  private int electionElapsed;
  private int heartbeatElapsed;
  private int randomizedElectionTimeout;
  private final Map<Integer, Boolean> votes = new TreeMap<>();

  // Leader state: one Progress per peer, and the ReadIndex rounds.
  private final Map<Integer, Progress> progress = new TreeMap<>();
  /** The member leadership is being handed to (§3.10), or 0; proposals wait meanwhile. */
  private int transferTarget;
  private int transferElapsed;
  private final ReadIndexQueue reads = new ReadIndexQueue();
  /** Times a follower's log was found to end below its match index (see Progress#regressTo). */
  private long followerLogRegressions;

  // Counters for metrics (RaftCounters).
  private long preVotesStarted;
  private long electionsStarted;
  private long electionsWon;
  private long leaderChanges;
  /** The term of the last leader this node learned of, to count leader changes. */
  private long lastLeaderTerm = -1;
  /** The term and vote the driver has reported durable (advance), as recovered at first. */
  private long durableTerm;
  private int durableVote;
  /**
   * A candidate that is its configuration's only voter has won as soon as it votes for itself,
   * but it leads only once that vote is durable: a crash before would let it forget the term and
   * win it again, and append different entries at the same index in the same term.
   */
  private boolean winsWhenVoteDurable;

  // Hand-off to the driver.
  private HardState lastHardStateOut;
  /** Ticks since the commit hint was last handed out for saving; see {@link #ready()}. */
  private int ticksSinceCommitHintOut;
  /** The last index handed out to be applied; the state machine reflects everything up to it. */
  private long committedOut;
  /** A snapshot from the leader, accepted and not yet handed out to be installed. */
  private SnapshotMeta snapshotOut;
  private List<Message> messages = new ArrayList<>();
  private List<Message> messagesAfterPersist = new ArrayList<>();
  private List<ReadState> readStates = new ArrayList<>();
  private List<Long> abortedReads = new ArrayList<>();

  /**
   * Rebuilds a node from what its storage holds (all empty for a new node).
   *
   * @param snapshot the latest snapshot, whose content the caller's state machine was restored
   *     from ({@link SnapshotMeta#NONE} if none)
   * @param storedLog the stored entries: they may start before the snapshot's end, not after it
   * @param appliedIndex the last index the caller's state machine already reflects (at least the
   *     snapshot's); committed entries after it will be handed out again
   */
  public RaftNode(RaftConfig config, HardState hardState, SnapshotMeta snapshot,
      List<Entry> storedLog, long appliedIndex) {
    if (appliedIndex < snapshot.index()) {
      throw new IllegalArgumentException("the state machine is at " + appliedIndex
          + ", before the " + snapshot + " it must have been restored from");
    }
    this.config = config;
    this.id = config.id();
    this.log = new RaftLog(snapshot, storedLog);
    this.memberships = new MembershipHistory(config.bootstrap(), snapshot, storedLog);
    this.term = hardState.term();
    this.votedFor = hardState.votedFor();
    this.commitIndex = Math.max(snapshot.index(), Math.min(hardState.commit(), log.lastIndex()));
    this.lastHardStateOut = hardState;
    this.durableTerm = hardState.term();
    this.durableVote = hardState.votedFor();
    this.committedOut = Math.min(appliedIndex, commitIndex);
    becomeFollower(term, SoftState.NO_LEADER);
  }

  /** Rebuilds a node that has no snapshot. */
  public RaftNode(RaftConfig config, HardState hardState, List<Entry> storedLog,
      long appliedIndex) {
    this(config, hardState, SnapshotMeta.NONE, storedLog, appliedIndex);
  }

  public RaftNode(RaftConfig config) {
    this(config, HardState.EMPTY, List.of(), 0);
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick: elections and heartbeats are counted in ticks. */
  public void tick() {
    if (ticksSinceCommitHintOut < Integer.MAX_VALUE) ticksSinceCommitHintOut++;
    if (role == Role.LEADER) {
      tickLeader();
    } else {
      electionElapsed++;
      if (electionElapsed < randomizedElectionTimeout) return;
      if (promotable()) {
        campaign();
      } else {
        resetElectionTimer(); // a learner, or not a member: it never stands for election
      }
    }
  }

  /**
   * Who may stand for election: a voter of the configuration in effect here, and, until that
   * configuration commits, a voter of the one before it (dissertation §4.2.2): a leader that
   * removed itself and then failed may be the only node holding the change, and must be able to
   * win an election (counting only the new voters) to commit it. A learner, a node that knows
   * it was removed, and a node yet to join never stand.
   */
  private boolean promotable() {
    if (memberships.current().isVoter(id)) return true;
    long changedAt = memberships.currentIndex();
    return changedAt > commitIndex && memberships.at(changedAt - 1).isVoter(id);
  }

  /**
   * Appends a command to the log if this node leads.
   *
   * @return the new entry's index (its term is {@link #term()}), or -1 if this node is not the
   *     leader
   */
  public long propose(String command) {
    if (role != Role.LEADER || transferTarget != 0) return -1;
    if (Membership.isMembership(command)) {
      throw new IllegalArgumentException("configuration changes go through proposeMembership");
    }
    return appendOwn(command);
  }

  private long appendOwn(String command) {
    Entry entry = new Entry(log.lastIndex() + 1, term, command);
    log.append(entry);
    memberships.appended(entry);
    return entry.index();
  }

  /**
   * Proposes {@code next} as the cluster's configuration (dissertation §4.1): it must differ from
   * the one in effect in one member only (added, removed, or its vote changed), and takes effect
   * here as soon as its entry is appended. Refused while an earlier change is uncommitted (one at
   * a time) and until an entry of this leader's term has committed: otherwise an uncommitted
   * change of an earlier leader's could surface again beside this one, and the two majorities
   * need not overlap (the correction to single-server changes). A learner becomes a voter only
   * once its log is within {@link RaftConfig#maxPromotionLag()} of the commit index.
   */
  public ChangeResult proposeMembership(Membership next) {
    if (role != Role.LEADER) return ChangeResult.refused(ChangeResult.Refusal.NOT_LEADER,
        "node " + id + " does not lead");
    if (transferTarget != 0) return ChangeResult.refused(ChangeResult.Refusal.BUSY,
        "leadership is moving to node " + transferTarget);
    Membership current = memberships.current();
    if (log.termAt(commitIndex) != term
        && !config.broken(Sabotage.CHANGE_BEFORE_OWN_TERM_COMMITS)) {
      return ChangeResult.refused(ChangeResult.Refusal.BUSY, "node " + id
          + " has just become leader and has not committed an entry of its term yet");
    }
    if (memberships.currentIndex() > commitIndex
        && !config.broken(Sabotage.TWO_CHANGES_IN_FLIGHT)) {
      return ChangeResult.refused(ChangeResult.Refusal.BUSY, "the change at index "
          + memberships.currentIndex() + " (to " + current + ") has not committed yet");
    }
    Integer changed = current.singleChange(next);
    if (changed == null) {
      return ChangeResult.refused(ChangeResult.Refusal.INVALID, "from " + current + " to " + next
          + " is not a change of exactly one member (addresses stay as they are)");
    }
    if (next.voters().isEmpty()) {
      return ChangeResult.refused(ChangeResult.Refusal.INVALID, "the last voter stays");
    }
    if (next.isVoter(changed) && current.contains(changed) && !caughtUp(changed)) {
      Progress pr = progress.get(changed);
      return ChangeResult.refused(ChangeResult.Refusal.NOT_CAUGHT_UP, "learner " + changed
          + " holds the log up to " + (pr == null ? 0 : pr.match) + ", the commit index is "
          + commitIndex + ": promote it once it is within " + config.maxPromotionLag()
          + " entries");
    }
    long index = appendOwn(next.encode());
    trackMembers();
    return ChangeResult.proposed(index);
  }

  /** Whether {@code peer}'s log reaches within the promotion lag of the commit index. */
  private boolean caughtUp(int peer) {
    if (peer == id) return true;
    Progress pr = progress.get(peer);
    return pr != null && pr.state == Progress.State.REPLICATE
        && pr.match + config.maxPromotionLag() >= commitIndex;
  }

  /**
   * Hands leadership to voter {@code target} (dissertation §3.10): new proposals are refused
   * meanwhile, the target's log is brought up to this leader's, and then it is told to start an
   * election at once ({@link TimeoutNow}). Given up after an election timeout; {@code target}
   * 0 picks the voter whose log is longest.
   */
  public ChangeResult transferLeadership(int target) {
    if (role != Role.LEADER) return ChangeResult.refused(ChangeResult.Refusal.NOT_LEADER,
        "node " + id + " does not lead");
    if (target == 0) target = bestSuccessor();
    if (target == id) return ChangeResult.proposed(0);
    if (target == 0 || !memberships.current().isVoter(target)) {
      return ChangeResult.refused(ChangeResult.Refusal.INVALID, target == 0
          ? "there is no other voter to hand leadership to"
          : "node " + target + " is not a voter of " + memberships.current());
    }
    transferTarget = target;
    transferElapsed = 0;
    Progress pr = progress.get(target);
    if (pr.match == log.lastIndex()) {
      sendTimeoutNow(pr);
    } else if (pr.state != Progress.State.SNAPSHOT) {
      // catch the target up now: a stalled pipeline would otherwise wait for its own timeout,
      // as long as the transfer has
      pr.becomeProbe();
    }
    return ChangeResult.proposed(0);
  }

  /** The voter other than this one with the longest log (0 if none). */
  private int bestSuccessor() {
    int best = 0;
    long bestMatch = -1;
    for (Progress pr : progress.values()) {
      if (memberships.current().isVoter(pr.peer) && pr.match > bestMatch) {
        best = pr.peer;
        bestMatch = pr.match;
      }
    }
    return best;
  }

  private void sendTimeoutNow(Progress pr) {
    messages.add(new TimeoutNow(id, pr.peer, term));
  }

  /**
   * Asks for a linearizable read (Raft §6.4). Once this leader has confirmed with a quorum that
   * it still leads, a {@link ReadState} with {@code context} appears in a later Ready.
   *
   * @return false if this node is not the leader (nothing is queued)
   */
  public boolean readIndex(long context) {
    if (role != Role.LEADER) return false;
    reads.request(context);
    return true;
  }

  /**
   * The host's snapshot of its state machine up to {@code index} (at most the last index handed
   * out to be applied) is durable: followers too far behind are sent it from now on, and the log
   * in memory is compacted, keeping {@link RaftConfig#compactionMargin()} entries before it.
   *
   * @return the snapshot as the core records it (with the term of the entry at {@code index})
   */
  public SnapshotMeta snapshotTaken(long index) {
    if (config.broken(Sabotage.COMPACT_PAST_APPLIED)) index = log.lastIndex();
    if (index > committedOut && !config.broken(Sabotage.COMPACT_PAST_APPLIED)) {
      throw new IllegalArgumentException("a snapshot at " + index + " is past the applied index "
          + committedOut);
    }
    if (index <= log.snapshot().index()) return log.snapshot();
    SnapshotMeta taken = snapshotMeta(index);
    log.snapshotTaken(taken);
    memberships.compactedTo(index);
    log.compact(Math.max(log.firstIndex(), index - config.compactionMargin() + 1));
    return taken;
  }

  /**
   * What a snapshot of the state machine up to {@code index} (applied, not yet compacted) covers:
   * the term of that entry and the configuration as of it, for the host to write in its header.
   */
  public SnapshotMeta snapshotMeta(long index) {
    return new SnapshotMeta(index, log.termAt(index), memberships.at(index));
  }

  /**
   * The host's report on a snapshot it was sending to {@code peer}: installed there, or the
   * transfer failed (then the follower is probed again, and sent the latest snapshot if the log
   * still cannot serve it).
   */
  public void reportSnapshot(int peer, boolean installed) {
    if (role != Role.LEADER) return;
    Progress pr = progress.get(peer);
    if (pr != null) pr.snapshotReported(installed);
  }

  /** Handles a message from a peer. Messages not addressed to this node are ignored. */
  public void step(Message m) {
    // Messages from nodes outside the configuration count too: a joining node hears from a
    // leader it does not know yet. What a non-member sends changes nothing here (its votes do
    // not count, it has no progress) beyond the terms every node must respect.
    if (m.to() != id || m.from() <= 0 || m.from() == id) return;
    if (m.term() > term) {
      if (!acceptHigherTerm(m)) return;
    } else if (m.term() < term) {
      answerStaleMessage(m);
      return;
    }
    if (m instanceof RequestVote rv) {
      handleRequestVote(rv);
    } else if (m instanceof RequestVoteResponse r) {
      handleVoteResponse(r);
    } else if (m instanceof AppendEntries ae) {
      handleAppendEntries(ae);
    } else if (m instanceof InstallSnapshot is) {
      handleInstallSnapshot(is);
    } else if (m instanceof AppendEntriesResponse r) {
      if (role == Role.LEADER) handleAppendResponse(r);
    } else if (m instanceof TimeoutNow t) {
      handleTimeoutNow(t);
    }
  }

  // ---------------------------------------------------------------- output

  /**
   * The hard state when it must be saved: always when the term or vote changed (before any
   * message that depends on them leaves), and when the commit hint advanced, at most once per
   * election timeout. The hint is what a restarted node applies before it hears from a leader,
   * and so what it serves stale reads from: saved only with term changes, it could be hours old.
   * Saving it more often would cost a hard-state write (three fsyncs) per batch.
   */
  private HardState hardStateToSave() {
    HardState hs = currentHardState();
    boolean termOrVote =
        hs.term() != lastHardStateOut.term() || hs.votedFor() != lastHardStateOut.votedFor();
    boolean staleHint = hs.commit() > lastHardStateOut.commit()
        && ticksSinceCommitHintOut >= config.electionTicks();
    if (!termOrVote && !staleHint) return null;
    lastHardStateOut = hs;
    ticksSinceCommitHintOut = 0;
    return hs;
  }

  /** Collects everything the driver must do now; an empty Ready means nothing. */
  public Ready ready() {
    if (role == Role.LEADER) {
      startReadRound();
      for (Progress pr : progress.values()) sendAppends(pr);
    }
    HardState hardStateOut = hardStateToSave();
    SnapshotMeta snapshot = snapshotOut;
    snapshotOut = null;
    List<Entry> entries = log.takeUnstable();
    long applyTo = Math.min(commitIndex, committedOut + config.maxCommittedPerReady());
    List<Entry> committed = log.slice(committedOut + 1, applyTo);
    committedOut = applyTo;
    Ready rd = new Ready(softState(), hardStateOut, snapshot, entries, messages, messagesAfterPersist,
        committed, servableReads(), abortedReads);
    messages = new ArrayList<>();
    messagesAfterPersist = new ArrayList<>();
    abortedReads = new ArrayList<>();
    return rd;
  }

  /**
   * Whether committed entries are still to be handed out: a Ready carries at most
   * {@link RaftConfig#maxCommittedPerReady()} (etcd's MaxCommittedSizePerReady), so that a node catching
   * up on a long log applies it in slices and its driver can serve other events in between.
   */
  public boolean hasCommittedToApply() {
    return committedOut < commitIndex;
  }

  /** The reads whose index this Ready's entries reach; the others wait for a later Ready. */
  private List<ReadState> servableReads() {
    List<ReadState> servable = new ArrayList<>();
    List<ReadState> later = new ArrayList<>();
    for (ReadState r : readStates) (r.index() <= committedOut ? servable : later).add(r);
    readStates = later;
    return servable;
  }

  /** Tells the core that the persistence of {@code rd} (and every earlier Ready) is durable. */
  public void advance(Ready rd) {
    if (rd.hardState() != null) {
      durableTerm = rd.hardState().term();
      durableVote = rd.hardState().votedFor();
    }
    Entry last = rd.lastEntry();
    if (last != null && log.stableTo(last.index(), last.term()) && role == Role.LEADER) {
      maybeCommit();
    }
    if (winsWhenVoteDurable && role == Role.CANDIDATE && ownVoteDurable()) {
      winsWhenVoteDurable = false;
      becomeLeader();
    }
  }

  private boolean ownVoteDurable() {
    return durableTerm == term && durableVote == id;
  }

  // ---------------------------------------------------------------- inspection

  public int id() {
    return id;
  }

  public long term() {
    return term;
  }

  public Role role() {
    return role;
  }

  public int leaderId() {
    return leaderId;
  }

  public long commitIndex() {
    return commitIndex;
  }

  /**
   * How far the cluster has committed, as far as this node knows: its own commit index on a
   * leader, else the highest a leader has told it of. A follower whose log lags is this far
   * from caught up, though its own commit index cannot show it.
   */
  public long leaderCommitIndex() {
    return Math.max(commitIndex, leaderCommitSeen);
  }

  public long stableIndex() {
    return log.stableIndex();
  }

  public int votedFor() {
    return votedFor;
  }

  /** The configuration in effect here: the latest in the log, committed or not. */
  public Membership membership() {
    return memberships.current();
  }

  /** The index of the entry that made {@link #membership()} (the snapshot's, or 0). */
  public long membershipIndex() {
    return memberships.currentIndex();
  }

  /** The member leadership is being handed to, or 0. */
  public int transferTarget() {
    return transferTarget;
  }

  /** A read-only view of the log, for status pages and checkers. */
  public RaftLog log() {
    return log;
  }

  public SoftState softState() {
    return new SoftState(role, term, leaderId);
  }

  /**
   * How often, as leader, this node found a follower's log ending below the index the follower
   * had acknowledged, and repaired it: a sign of a disk that lost fsynced data (or of a late
   * answer from before the follower caught up, which costs one extra probe).
   */
  public long followerLogRegressions() {
    return followerLogRegressions;
  }

  /** What this node has done since it started: elections, leader changes, read rounds. */
  public RaftCounters counters() {
    return new RaftCounters(preVotesStarted, electionsStarted, electionsWon, leaderChanges,
        reads.currentRound());
  }

  /** On the leader: each follower's match index (empty elsewhere). */
  public Map<Integer, Long> matchIndexes() {
    Map<Integer, Long> out = new TreeMap<>();
    progress.forEach((peer, pr) -> out.put(peer, pr.match));
    return out;
  }

  @Override
  public String toString() {
    return "node " + id + " " + role + " t=" + term + " lead=" + leaderId + " commit="
        + commitIndex + " last=" + log.lastTerm() + "/" + log.lastIndex();
  }

  // ---------------------------------------------------------------- terms (§5.1)

  /** A message from a later term: decides whether to adopt the term or ignore the message. */
  private boolean acceptHigherTerm(Message m) {
    if (m instanceof RequestVote rv) {
      // §4.2.3 / §9.6: while we hear from a live leader, a vote request is a disruption from a
      // node that was cut off, not a sign that the leader is gone.
      boolean inLease = config.checkQuorum() && leaderId != SoftState.NO_LEADER
          && electionElapsed < config.electionTicks() && !rv.transfer();
      if (inLease) return false;
      if (rv.preVote()) return true; // a pre-vote never changes anyone's term
      becomeFollower(m.term(), SoftState.NO_LEADER);
      return true;
    }
    if (m instanceof RequestVoteResponse r && r.preVote() && r.granted()) {
      return true; // carries the term we would campaign in, not a newer leader's term
    }
    boolean fromLeader = m instanceof AppendEntries || m instanceof InstallSnapshot;
    becomeFollower(m.term(), fromLeader ? m.from() : SoftState.NO_LEADER);
    return true;
  }

  /** Tells a stale leader or pre-candidate our term, so it steps down. Other stale messages drop. */
  private void answerStaleMessage(Message m) {
    if (m instanceof AppendEntries ae) {
      messages.add(AppendEntriesResponse.reject(id, m.from(), term, ae.prevLogIndex(), 0, 0, 0));
    } else if (m instanceof InstallSnapshot is) {
      messages.add(AppendEntriesResponse.reject(id, m.from(), term, is.snapshot().index(), 0, 0,
          0));
    } else if (m instanceof RequestVote rv && rv.preVote()) {
      messages.add(new RequestVoteResponse(id, m.from(), term, false, true));
    }
  }

  // ---------------------------------------------------------------- roles

  private void becomeFollower(long newTerm, int leader) {
    winsWhenVoteDurable = false;
    if (role == Role.LEADER) abortedReads.addAll(reads.abortAll());
    if (newTerm != term) {
      term = newTerm;
      votedFor = HardState.NO_VOTE;
    }
    role = Role.FOLLOWER;
    leaderId = leader;
    noteLeader(leader);
    transferTarget = 0;
    progress.clear();
    votes.clear();
    resetElectionTimer();
  }

  /** A leader is known in this term: a change, once per term (the same node re-elected too). */
  private void noteLeader(int leader) {
    if (leader == SoftState.NO_LEADER || term == lastLeaderTerm) return;
    lastLeaderTerm = term;
    leaderChanges++;
  }

  private void becomePreCandidate() {
    winsWhenVoteDurable = false;
    preVotesStarted++;
    role = Role.PRE_CANDIDATE;
    leaderId = SoftState.NO_LEADER;
    votes.clear();
    resetElectionTimer();
  }

  private void becomeCandidate() {
    winsWhenVoteDurable = false;
    electionsStarted++;
    term++;
    votedFor = id;
    role = Role.CANDIDATE;
    leaderId = SoftState.NO_LEADER;
    votes.clear();
    resetElectionTimer();
  }

  private void becomeLeader() {
    electionsWon++;
    role = Role.LEADER;
    leaderId = id;
    noteLeader(id);
    votes.clear();
    heartbeatElapsed = 0;
    electionElapsed = 0;
    trackMembers();
    // §5.4.2 / §8: entries of earlier terms commit only once an entry of this term does, so a
    // new leader appends a no-op right away. The first leader of a cluster writes the
    // configuration instead, so that from then on it lives in the log (and joining nodes learn
    // it there).
    appendOwn(memberships.recorded() ? "" : memberships.current().encode());
  }

  /**
   * The leader replicates to every member of the configuration in effect and, until a change
   * commits, to the members it removed too: a removed node then appends the entry that removes
   * it, and knows.
   */
  private void trackMembers() {
    Set<Integer> targets = new TreeSet<>(memberships.current().ids());
    targets.addAll(memberships.at(commitIndex).ids());
    targets.remove(id);
    progress.keySet().retainAll(targets);
    for (int peer : targets) {
      progress.computeIfAbsent(peer, p -> new Progress(p, log.lastIndex() + 1));
    }
  }

  private void resetElectionTimer() {
    electionElapsed = 0;
    randomizedElectionTimeout =
        config.electionTicks() + config.random().nextInt(config.electionTicks());
  }

  // ---------------------------------------------------------------- elections (§5.2, §9.6)

  private void campaign() {
    // A pre-candidate that times out polls again: only a won pre-vote leads to a real election
    // (winElection), or an unreachable node would raise its term after all.
    if (config.preVote()) {
      becomePreCandidate();
      requestVotes(true, false);
    } else {
      becomeCandidate();
      requestVotes(false, false);
    }
  }

  /** §3.10: the leader handed over; stand at once, with no pre-vote, past the voters' lease. */
  private void handleTimeoutNow(TimeoutNow t) {
    if (!promotable() || role == Role.LEADER) return;
    becomeCandidate();
    requestVotes(false, true);
  }

  private void requestVotes(boolean preVote, boolean transfer) {
    Membership voters = memberships.current();
    // a candidate outside the configuration it stands in does not count its own vote
    if (voters.isVoter(id)) votes.put(id, true);
    if (Quorum.tally(voters.voters().size(), votes.size(), 0) == Quorum.VoteResult.WON) {
      winElection(preVote);
      return;
    }
    long voteTerm = preVote ? term + 1 : term;
    for (int peer : voters.voters()) {
      if (peer == id) continue;
      RequestVote rv = new RequestVote(id, peer, voteTerm, log.lastIndex(), log.lastTerm(),
          preVote, transfer);
      // A real vote request waits for our own vote and term to be durable: otherwise a crash
      // could let us vote twice in this term.
      (preVote ? messages : messagesAfterPersist).add(rv);
    }
  }

  private void winElection(boolean preVote) {
    if (preVote) {
      becomeCandidate();
      requestVotes(false, false);
    } else if (ownVoteDurable() || config.broken(Sabotage.LEAD_BEFORE_VOTE_DURABLE)) {
      becomeLeader();
    } else {
      winsWhenVoteDurable = true; // only this node voted: see advance()
    }
  }

  private void handleRequestVote(RequestVote rv) {
    boolean canVote = votedFor == rv.from()
        || (votedFor == HardState.NO_VOTE && leaderId == SoftState.NO_LEADER)
        || (rv.preVote() && rv.term() > term);
    boolean upToDate = config.broken(Sabotage.VOTE_WITHOUT_UP_TO_DATE_CHECK)
        || log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm());
    boolean grant = canVote && upToDate;
    if (grant && !rv.preVote()) {
      votedFor = rv.from();
      electionElapsed = 0;
    }
    // A granted pre-vote answers in the term asked about, so the pre-candidate keeps its term.
    long answerTerm = grant && rv.preVote() ? rv.term() : term;
    RequestVoteResponse answer =
        new RequestVoteResponse(id, rv.from(), answerTerm, grant, rv.preVote());
    afterPersist(answer);
  }

  private void handleVoteResponse(RequestVoteResponse r) {
    boolean current = r.preVote() ? role == Role.PRE_CANDIDATE : role == Role.CANDIDATE;
    Membership voters = memberships.current();
    if (!current || !voters.isVoter(r.from())) return;
    votes.putIfAbsent(r.from(), r.granted());
    long granted = votes.values().stream().filter(v -> v).count();
    int rejected = votes.size() - (int) granted;
    switch (Quorum.tally(voters.voters().size(), (int) granted, rejected)) {
      case WON -> winElection(r.preVote());
      case LOST -> becomeFollower(term, SoftState.NO_LEADER);
      case PENDING -> { }
    }
  }

  // ---------------------------------------------------------------- follower side (§5.3)

  /** A message from this term's leader: follow it. */
  private void followLeaderOf(Message m) {
    if (role == Role.LEADER) {
      throw new IllegalStateException("two leaders in term " + term + ": " + id + " and "
          + m.from());
    }
    if (role != Role.FOLLOWER) {
      becomeFollower(term, m.from());
    } else {
      leaderId = m.from();
      noteLeader(leaderId);
      electionElapsed = 0;
    }
  }

  private void handleAppendEntries(AppendEntries ae) {
    followLeaderOf(ae);
    leaderCommitSeen = Math.max(leaderCommitSeen, ae.leaderCommit());
    if (ae.prevLogIndex() < log.firstIndex() - 1) {
      // Compacted here, so committed: our log agrees with the leader's up to our commit index.
      afterPersist(AppendEntriesResponse.accept(id, ae.from(), term, commitIndex, ae.readSeq()));
      return;
    }
    if (!log.matches(ae.prevLogIndex(), ae.prevLogTerm())) {
      rejectAppend(ae);
      return;
    }
    appendFromLeader(ae);
    long lastNew = ae.lastIndex();
    commitIndex = Math.max(commitIndex, Math.min(ae.leaderCommit(), lastNew));
    afterPersist(AppendEntriesResponse.accept(id, ae.from(), term, lastNew, ae.readSeq()));
  }

  /** Appends what is new, truncating our log at the first entry that conflicts. */
  private void appendFromLeader(AppendEntries ae) {
    for (Entry e : ae.entries()) {
      if (e.index() <= log.lastIndex()) {
        if (log.termAt(e.index()) == e.term()) continue;
        if (e.index() <= commitIndex) {
          throw new IllegalStateException("leader " + ae.from() + " conflicts with committed entry "
              + log.entryAt(e.index()) + " at node " + id);
        }
        log.truncateFrom(e.index());
        memberships.truncatedFrom(e.index());
      }
      log.append(e);
      memberships.appended(e);
    }
  }

  /**
   * Raft §7. A snapshot that ends within what we know is committed tells us nothing new (and
   * installing it would throw away entries we acknowledged); one whose last entry our log holds
   * only moves the commit index; otherwise the log is replaced by the snapshot, which the driver
   * persists and the host installs before anything after it.
   */
  private void handleInstallSnapshot(InstallSnapshot is) {
    followLeaderOf(is);
    SnapshotMeta snapshot = is.snapshot();
    long matched;
    if (snapshot.index() <= commitIndex && !config.broken(Sabotage.ACCEPT_STALE_SNAPSHOT)) {
      matched = commitIndex;
    } else if (log.matches(snapshot.index(), snapshot.term())) {
      commitIndex = Math.max(commitIndex, snapshot.index());
      matched = snapshot.index();
    } else {
      log.restore(snapshot);
      memberships.reset(snapshot);
      commitIndex = snapshot.index();
      committedOut = snapshot.index();
      snapshotOut = snapshot;
      matched = snapshot.index();
    }
    afterPersist(AppendEntriesResponse.accept(id, is.from(), term, matched, 0));
  }

  /** The conflict hint lets the leader skip a whole term per round trip. */
  private void rejectAppend(AppendEntries ae) {
    long prev = ae.prevLogIndex();
    long conflictTerm = 0;
    long conflictIndex = log.lastIndex() + 1;
    if (prev <= log.lastIndex()) {
      conflictTerm = log.termAt(prev);
      conflictIndex = log.firstIndexOfTermAt(prev);
    }
    messages.add(AppendEntriesResponse.reject(id, ae.from(), term, prev, conflictIndex,
        conflictTerm, ae.readSeq()));
  }

  /** Votes and acknowledgements are promises: they leave only once our disk holds them. */
  private void afterPersist(Message m) {
    (config.broken(Sabotage.ACK_BEFORE_PERSIST) ? messages : messagesAfterPersist).add(m);
  }

  // ---------------------------------------------------------------- leader side

  private void tickLeader() {
    heartbeatElapsed++;
    electionElapsed++;
    if (transferTarget != 0 && ++transferElapsed >= config.electionTicks()) {
      transferTarget = 0; // §3.10: the target did not take over in time; lead on
    }
    if (electionElapsed >= config.electionTicks()) {
      electionElapsed = 0;
      if (config.checkQuorum() && !quorumRecentlyActive()) {
        becomeFollower(term, SoftState.NO_LEADER); // §6.2: cannot reach a majority
        return;
      }
    }
    if (heartbeatElapsed >= config.heartbeatTicks()) {
      heartbeatElapsed = 0;
      for (Progress pr : progress.values()) {
        pr.heartbeatElapsed(config.heartbeatTicks(), config.electionTicks());
        sendHeartbeat(pr);
      }
    }
  }

  private boolean quorumRecentlyActive() {
    Membership current = memberships.current();
    int active = current.isVoter(id) ? 1 : 0;
    for (Progress pr : progress.values()) {
      if (pr.recentActive && current.isVoter(pr.peer)) active++;
      pr.recentActive = false;
    }
    return active >= Quorum.size(current.voters().size());
  }

  /**
   * A heartbeat is an empty AppendEntries whose consistency check is at the follower's known
   * match, so it always succeeds; it carries the commit index no further than that match. When
   * that match was compacted away here (its term is unknown), the check is at index 0 and the
   * heartbeat carries no commit index: it still keeps the follower's timer and confirms reads.
   */
  private void sendHeartbeat(Progress pr) {
    long prev = log.termAt(pr.match) < 0 ? 0 : pr.match;
    messages.add(new AppendEntries(id, pr.peer, term, prev, log.termAt(prev), List.of(),
        Math.min(commitIndex, prev), reads.currentRound()));
  }

  /** Streams what the peer lacks: one probe at a time, or a window of batches (pipelining). */
  private void sendAppends(Progress pr) {
    if (pr.state == Progress.State.PROBE) {
      if (!pr.probeSent) sendAppend(pr);
      return;
    }
    while (!pr.isPaused(config.maxInflightAppends()) && pr.next <= log.lastIndex()) {
      sendAppend(pr);
    }
  }

  private void sendAppend(Progress pr) {
    long prev = pr.next - 1;
    if (pr.next < log.firstIndex()) { // compacted: only the snapshot can bring the follower on
      sendSnapshot(pr);
      return;
    }
    List<Entry> batch =
        log.batchFrom(pr.next, config.maxEntriesPerAppend(), config.maxBytesPerAppend());
    messages.add(new AppendEntries(id, pr.peer, term, prev, log.termAt(prev), batch, commitIndex,
        reads.currentRound()));
    pr.sent(batch.isEmpty() ? prev : batch.get(batch.size() - 1).index());
  }

  private void sendSnapshot(Progress pr) {
    SnapshotMeta snapshot = log.snapshot();
    messages.add(new InstallSnapshot(id, pr.peer, term, snapshot));
    pr.becomeSnapshot(snapshot.index());
  }

  private void handleAppendResponse(AppendEntriesResponse r) {
    Progress pr = progress.get(r.from());
    if (pr == null) return; // from a node no longer (or not yet) in the configuration
    pr.recentActive = true;
    if (r.readSeq() > pr.readSeqAcked) {
      pr.readSeqAcked = r.readSeq();
      releaseConfirmedReads();
    }
    if (r.success()) {
      if (pr.acknowledge(r.matchIndex())) maybeCommit();
      if (role == Role.LEADER && pr.peer == transferTarget && pr.match == log.lastIndex()) {
        sendTimeoutNow(pr);
      }
    } else if (pr.state == Progress.State.SNAPSHOT) {
      return; // a rejection of an append sent before the snapshot: the snapshot decides
    } else if (pr.lostAcknowledgedEntries(r)) {
      followerLogRegressions++;
      // the follower's hint: where its log ends, or where its run of the conflicting term starts
      pr.regressTo(Math.min(r.conflictIndex(), r.rejectedIndex()) - 1);
    } else {
      pr.rejected(r.rejectedIndex(), nextIndexFromHint(r));
    }
  }

  /**
   * If we hold entries of the follower's conflicting term, our last one of that term is where
   * the logs may still agree; otherwise skip the follower's whole run of that term.
   */
  private long nextIndexFromHint(AppendEntriesResponse r) {
    if (r.conflictTerm() > 0) {
      long last = log.lastIndexOfTerm(r.conflictTerm(), r.rejectedIndex());
      if (last > 0) return last + 1;
    }
    return r.conflictIndex();
  }

  /**
   * §5.3/§5.4.2: the highest index stored on a majority is committed, but only if it is from
   * the current term (Figure 8): an old term's entry counted this way could still be replaced.
   */
  private void maybeCommit() {
    int[] voters = voterIds();
    long[] matches = new long[voters.length];
    int i = 0;
    for (int voter : voters) {
      // the leader counts itself only for what its disk holds
      matches[i++] = voter == id ? log.stableIndex() : progress.get(voter).match;
    }
    long candidate = Quorum.majorityValue(matches);
    if (candidate <= commitIndex) return;
    if (log.termAt(candidate) == term || config.broken(Sabotage.COMMIT_OLD_TERM)) {
      long before = commitIndex;
      commitIndex = candidate;
      long changedAt = memberships.currentIndex();
      if (before < changedAt && changedAt <= commitIndex) membershipCommitted();
    }
  }

  /** The voters of the configuration in effect, cached: commits and reads count them often. */
  private int[] voterIds() {
    Membership current = memberships.current();
    if (current != votersOf) {
      votersOf = current;
      voterIds = current.voters().stream().mapToInt(Integer::intValue).toArray();
    }
    return voterIds;
  }

  /**
   * Once the configuration in effect commits, the members it removed are no longer replicated
   * to; and a leader it removed steps down (dissertation §4.2.2), handing over to the voter
   * whose log is longest, so the cluster need not wait for an election timeout.
   */
  private void membershipCommitted() {
    trackMembers();
    if (memberships.current().isVoter(id)) return;
    int successor = bestSuccessor();
    Progress pr = successor == 0 ? null : progress.get(successor);
    if (pr != null && pr.match == log.lastIndex()) sendTimeoutNow(pr);
    becomeFollower(term, SoftState.NO_LEADER);
  }

  // ---------------------------------------------------------------- read index (§6.4)

  /**
   * Gives every read queued since the last round one new round: its read index is the commit
   * index now, and it is served once a majority has answered a message of this round or later.
   * While an earlier round waits for its quorum, new reads wait too and share the next round
   * (etcd's read loop does the same): a round costs a heartbeat per peer, and a steady stream of
   * reads would otherwise start one every turn of the driver.
   */
  private void startReadRound() {
    if (!reads.hasUnassigned()) return;
    // §6.4 step 1: until an entry of this term commits, our commit index may be stale.
    if (log.termAt(commitIndex) != term) return;
    if (config.broken(Sabotage.READ_WITHOUT_QUORUM)) {
      reads.startRound(commitIndex);
      readStates.addAll(reads.releaseUpTo(reads.currentRound())); // no one is asked
      return;
    }
    if (!config.batchReads()) {
      while (reads.hasUnassigned()) {
        reads.startRoundForOldest(commitIndex);
        confirmRound();
      }
      return;
    }
    if (reads.roundInFlight()) return;
    reads.startRound(commitIndex);
    confirmRound();
  }

  /** Asks every peer to confirm the round just started (a lone leader confirms it at once). */
  private void confirmRound() {
    for (Progress pr : progress.values()) sendHeartbeat(pr);
    releaseConfirmedReads(); // a lone voter confirms the round at once
  }

  /** The highest read round a majority of the voters has echoed (the leader its own). */
  private void releaseConfirmedReads() {
    int[] voters = voterIds();
    long[] acked = new long[voters.length];
    int i = 0;
    for (int voter : voters) {
      acked[i++] = voter == id ? reads.currentRound() : progress.get(voter).readSeqAcked;
    }
    readStates.addAll(reads.releaseUpTo(Quorum.majorityValue(acked)));
  }

  /**
   * The commit index saved for recovery never exceeds what this node's disk is known to hold:
   * a follower may learn that index 58 is committed while its entries up to 58 are still on the
   * way to disk. Were that commit hint saved and the entries lost in a crash, the stale entries
   * still on disk at those indexes would be applied as committed after the restart.
   */
  private HardState currentHardState() {
    return new HardState(term, votedFor, Math.min(commitIndex, log.stableIndex()));
  }
}
