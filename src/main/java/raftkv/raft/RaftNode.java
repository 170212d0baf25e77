package raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One Raft member as a deterministic state machine (etcd raft's {@code raft} + {@code RawNode}).
 *
 * <p>Inputs: {@link #tick()}, {@link #step(Message)}, {@link #propose(String)},
 * {@link #readIndex(long)}, {@link #snapshotTaken(long)}, {@link #reportSnapshot(int, boolean)}. Output: {@link #ready()}, a batch of work for the driver, which
 * reports back with {@link #advance(Ready)} once the batch's persistence is durable. Nothing here
 * touches a clock, a file, a socket or a thread; the same inputs give the same outputs.
 *
 * <p>Not thread-safe: the driver calls it from one thread (in production, one event loop).
 */
public final class RaftNode {

  private final RaftConfig config;
  private final int id;
  private final List<Integer> peers;
  private final RaftLog log;

  // Persistent state (Figure 2): durable before any message that depends on it leaves.
  private long term;
  private int votedFor;
  private long commitIndex;

  // Volatile state.
  private Role role = Role.FOLLOWER;
  private int leaderId = SoftState.NO_LEADER;
  private int electionElapsed;
  private int heartbeatElapsed;
  private int randomizedElectionTimeout;
  private final Map<Integer, Boolean> votes = new TreeMap<>();

  // Leader state: one Progress per peer, and the ReadIndex rounds.
  private final Map<Integer, Progress> progress = new TreeMap<>();
  private final ReadIndexQueue reads = new ReadIndexQueue();
  /** Times a follower's log was found to end below its match index (see Progress#regressTo). */
  private long followerLogRegressions;

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
    this.peers = config.members().stream().filter(m -> m != id).sorted().toList();
    this.log = new RaftLog(snapshot, storedLog);
    this.term = hardState.term();
    this.votedFor = hardState.votedFor();
    this.commitIndex = Math.max(snapshot.index(), Math.min(hardState.commit(), log.lastIndex()));
    this.lastHardStateOut = hardState;
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
      if (electionElapsed >= randomizedElectionTimeout) campaign();
    }
  }

  /**
   * Appends a command to the log if this node leads.
   *
   * @return the new entry's index (its term is {@link #term()}), or -1 if this node is not the
   *     leader
   */
  public long propose(String command) {
    if (role != Role.LEADER) return -1;
    Entry entry = new Entry(log.lastIndex() + 1, term, command);
    log.append(entry);
    return entry.index();
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
    SnapshotMeta taken = new SnapshotMeta(index, log.termAt(index));
    log.snapshotTaken(taken);
    log.compact(Math.max(log.firstIndex(), index - config.compactionMargin() + 1));
    return taken;
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
    if (m.to() != id || !config.members().contains(m.from()) || m.from() == id) return;
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
    Entry last = rd.lastEntry();
    if (last != null && log.stableTo(last.index(), last.term()) && role == Role.LEADER) {
      maybeCommit();
    }
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

  public long stableIndex() {
    return log.stableIndex();
  }

  public int votedFor() {
    return votedFor;
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
          && electionElapsed < config.electionTicks();
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
    if (role == Role.LEADER) abortedReads.addAll(reads.abortAll());
    if (newTerm != term) {
      term = newTerm;
      votedFor = HardState.NO_VOTE;
    }
    role = Role.FOLLOWER;
    leaderId = leader;
    progress.clear();
    votes.clear();
    resetElectionTimer();
  }

  private void becomePreCandidate() {
    role = Role.PRE_CANDIDATE;
    leaderId = SoftState.NO_LEADER;
    votes.clear();
    resetElectionTimer();
  }

  private void becomeCandidate() {
    term++;
    votedFor = id;
    role = Role.CANDIDATE;
    leaderId = SoftState.NO_LEADER;
    votes.clear();
    resetElectionTimer();
  }

  private void becomeLeader() {
    role = Role.LEADER;
    leaderId = id;
    votes.clear();
    heartbeatElapsed = 0;
    electionElapsed = 0;
    for (int peer : peers) progress.put(peer, new Progress(peer, log.lastIndex() + 1));
    // §5.4.2 / §8: entries of earlier terms commit only once an entry of this term does, so a
    // new leader appends a no-op right away.
    log.append(Entry.noop(log.lastIndex() + 1, term));
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
      requestVotes(true);
    } else {
      becomeCandidate();
      requestVotes(false);
    }
  }

  private void requestVotes(boolean preVote) {
    votes.put(id, true);
    if (Quorum.tally(config.members().size(), 1, 0) == Quorum.VoteResult.WON) {
      winElection(preVote);
      return;
    }
    long voteTerm = preVote ? term + 1 : term;
    for (int peer : peers) {
      RequestVote rv =
          new RequestVote(id, peer, voteTerm, log.lastIndex(), log.lastTerm(), preVote);
      // A real vote request waits for our own vote and term to be durable: otherwise a crash
      // could let us vote twice in this term.
      (preVote ? messages : messagesAfterPersist).add(rv);
    }
  }

  private void winElection(boolean preVote) {
    if (preVote) {
      becomeCandidate();
      requestVotes(false);
    } else {
      becomeLeader();
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
    if (!current) return;
    votes.putIfAbsent(r.from(), r.granted());
    long granted = votes.values().stream().filter(v -> v).count();
    int rejected = votes.size() - (int) granted;
    switch (Quorum.tally(config.members().size(), (int) granted, rejected)) {
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
      electionElapsed = 0;
    }
  }

  private void handleAppendEntries(AppendEntries ae) {
    followLeaderOf(ae);
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
      }
      log.append(e);
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
    int active = 1;
    for (Progress pr : progress.values()) {
      if (pr.recentActive) active++;
      pr.recentActive = false;
    }
    return active >= config.quorum();
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
    pr.recentActive = true;
    if (r.readSeq() > pr.readSeqAcked) {
      pr.readSeqAcked = r.readSeq();
      releaseConfirmedReads();
    }
    if (r.success()) {
      if (pr.acknowledge(r.matchIndex())) maybeCommit();
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
    long[] matches = new long[config.members().size()];
    int i = 0;
    matches[i++] = log.stableIndex(); // the leader counts itself only for what its disk holds
    for (Progress pr : progress.values()) matches[i++] = pr.match;
    long candidate = Quorum.majorityValue(matches);
    if (candidate <= commitIndex) return;
    if (log.termAt(candidate) == term || config.broken(Sabotage.COMMIT_OLD_TERM)) {
      commitIndex = candidate;
    }
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
    if (peers.isEmpty()) {
      readStates.addAll(reads.releaseUpTo(reads.currentRound()));
      return;
    }
    for (Progress pr : progress.values()) sendHeartbeat(pr);
  }

  private void releaseConfirmedReads() {
    long[] acked = new long[config.members().size()];
    int i = 0;
    acked[i++] = reads.currentRound();
    for (Progress pr : progress.values()) acked[i++] = pr.readSeqAcked;
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
