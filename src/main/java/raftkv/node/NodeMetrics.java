package raftkv.node;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import raftkv.raft.RaftCounters;
import raftkv.raft.Role;
import raftkv.transport.PeerStats;

/**
 * A node's Raft, storage, snapshot and transport metrics (README, "Metrics").
 *
 * <p>What the Raft verticle owns is read on its loop only: before each scrape it hands a {@link
 * Sample} to {@link #update}, and every gauge and counter of that state reads the latest sample.
 * What happens on other threads (an fsync on the log's worker, a snapshot written) is recorded
 * into histograms as it happens.
 */
final class NodeMetrics {

  /** The Raft verticle's state at one moment, copied on its loop. */
  record Sample(long term, Role role, int leaderId, long commitIndex, long appliedIndex,
      long lastIndex, long firstIndex, long snapshotIndex, long snapshotBytes,
      RaftCounters counters, long proposals, long readsServed, long writesServed,
      long keys, long revision, long requestIds, Map<Integer, Long> matchIndexes,
      List<PeerStats> peers, long snapshotsSent, long snapshotsReceived, double maxLoopLagMs,
      long bytesWritten) {

    static final Sample EMPTY = new Sample(0, Role.FOLLOWER, 0, 0, 0, 0, 0, 0, 0,
        new RaftCounters(0, 0, 0, 0, 0), 0, 0, 0, 0, 0, 0, Map.of(), List.of(), 0, 0, 0, 0);
  }

  private final MeterRegistry registry;
  private volatile Sample sample = Sample.EMPTY;
  private final Timer fsyncs;
  private final DistributionSummary entriesPerFsync;
  private final DistributionSummary entriesPerAppend;
  private final Timer snapshotDurations;
  /** Meters of one follower or peer, removed when it leaves the configuration. */
  private final Map<Integer, List<Meter>> followerMeters = new HashMap<>();
  private final Map<Integer, List<Meter>> peerMeters = new HashMap<>();

  NodeMetrics(MeterRegistry registry) {
    this.registry = registry;
    registerRaft();
    registerKv();
    fsyncs = Timer.builder("raftkv.storage.fsync.duration")
        .description("time one fsync of the write-ahead log took")
        .serviceLevelObjectives(millis(0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 100, 250, 500, 1000))
        .register(registry);
    entriesPerFsync = DistributionSummary.builder("raftkv.storage.fsync.entries")
        .description("log entries made durable by one fsync (group commit)")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
        .register(registry);
    entriesPerAppend = DistributionSummary.builder("raftkv.raft.append.entries")
        .description("entries in one AppendEntries message sent to a follower")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
        .register(registry);
    snapshotDurations = Timer.builder("raftkv.snapshot.duration")
        .description("time to write one snapshot until it is durable")
        .serviceLevelObjectives(millis(10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000))
        .register(registry);
    FunctionCounter.builder("raftkv.storage.written", this, m -> m.sample.bytesWritten)
        .baseUnit("bytes").description("bytes of log records written").register(registry);
    gauge("raftkv.snapshot.size", "bytes", "size of the latest snapshot", s -> s.snapshotBytes);
    counter("raftkv.snapshots.sent", "snapshots sent to followers", s -> s.snapshotsSent);
    counter("raftkv.snapshots.received", "snapshots installed from the leader",
        s -> s.snapshotsReceived);
    gauge("raftkv.event.loop.max.lag", "seconds",
        "the Raft event loop's longest delay in running a timer since the node started",
        s -> s.maxLoopLagMs / 1000.0);
  }

  private void registerRaft() {
    gauge("raftkv.raft.term", null, "the current term", s -> s.term);
    for (Role role : Role.values()) {
      Gauge.builder("raftkv.raft.role", this, m -> m.sample.role == role ? 1 : 0)
          .description("1 for this node's current role").tag("role", role.name().toLowerCase())
          .register(registry);
    }
    gauge("raftkv.raft.leader.id", null, "the leader this node follows (0: none known)",
        s -> s.leaderId);
    gauge("raftkv.raft.commit.index", null, "the highest log index known committed",
        s -> s.commitIndex);
    gauge("raftkv.raft.applied.index", null, "the highest log index applied to the store",
        s -> s.appliedIndex);
    gauge("raftkv.raft.last.index", null, "the last index in this node's log", s -> s.lastIndex);
    gauge("raftkv.raft.first.index", null, "the oldest log index still held",
        s -> s.firstIndex);
    gauge("raftkv.raft.snapshot.index", null, "the index the latest snapshot covers",
        s -> s.snapshotIndex);
    counter("raftkv.raft.leader.changes", "terms in which this node learned of a leader",
        s -> s.counters.leaderChanges());
    counter("raftkv.raft.prevotes.started", "pre-vote rounds started (election timeouts)",
        s -> s.counters.preVotesStarted());
    counter("raftkv.raft.elections.started", "elections this node stood in",
        s -> s.counters.electionsStarted());
    counter("raftkv.raft.elections.won", "elections this node won",
        s -> s.counters.electionsWon());
    counter("raftkv.raft.readindex.rounds", "ReadIndex rounds the leader ran for linearizable"
        + " reads", s -> s.counters.readIndexRounds());
    counter("raftkv.raft.proposals", "client writes proposed to the log as leader",
        s -> s.proposals);
  }

  private void registerKv() {
    counter("raftkv.kv.writes.served", "writes this node answered as leader",
        s -> s.writesServed);
    counter("raftkv.kv.reads.served", "reads (and listings) this node answered",
        s -> s.readsServed);
    gauge("raftkv.kv.keys", null, "keys in the store", s -> s.keys);
    gauge("raftkv.kv.revision", null, "the store's revision", s -> s.revision);
    gauge("raftkv.kv.request.ids", null, "request ids remembered for exactly-once retries",
        s -> s.requestIds);
  }

  /** One fsync of the log; called on the storage's worker. */
  void synced(long nanos, long entries) {
    fsyncs.record(nanos, TimeUnit.NANOSECONDS);
    entriesPerFsync.record(entries);
  }

  /** One AppendEntries with entries sent to a follower; called on the Raft loop. */
  void appendSent(int entries) {
    entriesPerAppend.record(entries);
  }

  void snapshotTaken(long nanos) {
    snapshotDurations.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The state as of now; on the Raft loop, before each scrape. */
  void update(Sample next) {
    sample = next;
    syncPerMember(followerMeters, next.matchIndexes().keySet(), this::followerMeters);
    syncPerMember(peerMeters, next.peers().stream().map(PeerStats::peerId).toList(),
        this::peerMeters);
  }

  private void syncPerMember(Map<Integer, List<Meter>> meters, java.util.Collection<Integer> ids,
      java.util.function.IntFunction<List<Meter>> register) {
    meters.entrySet().removeIf(e -> {
      if (ids.contains(e.getKey())) return false;
      e.getValue().forEach(registry::remove);
      return true;
    });
    for (int id : ids) meters.computeIfAbsent(id, register::apply);
  }

  private List<Meter> followerMeters(int follower) {
    String tag = Integer.toString(follower);
    List<Meter> out = new ArrayList<>();
    out.add(Gauge.builder("raftkv.raft.follower.match.index", this,
            m -> m.sample.matchIndexes().getOrDefault(follower, 0L))
        .description("on the leader: the last index known replicated on the follower")
        .tag("follower", tag).register(registry));
    out.add(Gauge.builder("raftkv.raft.follower.lag.entries", this, m -> {
      Sample s = m.sample;
      Long match = s.matchIndexes().get(follower);
      return match == null ? 0 : Math.max(0, s.lastIndex - match);
    }).description("on the leader: entries of its log the follower does not have yet")
        .tag("follower", tag).register(registry));
    return out;
  }

  private List<Meter> peerMeters(int peer) {
    String tag = Integer.toString(peer);
    List<Meter> out = new ArrayList<>();
    out.add(peerCounter("raftkv.transport.requests", tag, "Raft RPC requests sent to the peer",
        PeerStats::requests));
    out.add(peerCounter("raftkv.transport.request.failures", tag, "Raft RPC requests that"
        + " failed: no connection, a timeout, or an error answer", PeerStats::failedRequests));
    out.add(peerCounter("raftkv.transport.messages.delivered", tag, "Raft messages the peer"
        + " took in", PeerStats::deliveredMessages));
    out.add(peerCounter("raftkv.transport.messages.lost", tag, "Raft messages of failed"
        + " requests", PeerStats::lostMessages));
    out.add(peerCounter("raftkv.transport.messages.dropped", tag, "Raft messages dropped"
        + " unsent from a full queue", PeerStats::droppedMessages));
    out.add(peerGauge("raftkv.transport.queue.messages", tag, null, "Raft messages waiting"
        + " for a request slot", PeerStats::queuedMessages));
    out.add(peerGauge("raftkv.transport.queue", tag, "bytes", "estimated size of the waiting"
        + " messages", PeerStats::queuedBytes));
    out.add(peerGauge("raftkv.transport.inflight.requests", tag, null, "Raft RPC requests on"
        + " their way", PeerStats::inflightRequests));
    return out;
  }

  private PeerStats peer(int id) {
    for (PeerStats p : sample.peers()) {
      if (p.peerId() == id) return p;
    }
    return null;
  }

  private Meter peerCounter(String name, String peer, String description,
      ToDoubleFunction<PeerStats> value) {
    int id = Integer.parseInt(peer);
    return FunctionCounter.builder(name, this, m -> {
      PeerStats p = m.peer(id);
      return p == null ? 0 : value.applyAsDouble(p);
    }).description(description).tag("peer", peer).register(registry);
  }

  private Meter peerGauge(String name, String peer, String unit, String description,
      ToDoubleFunction<PeerStats> value) {
    int id = Integer.parseInt(peer);
    return Gauge.builder(name, this, m -> {
      PeerStats p = m.peer(id);
      return p == null ? 0 : value.applyAsDouble(p);
    }).description(description).baseUnit(unit).tag("peer", peer).register(registry);
  }

  private void gauge(String name, String unit, String description,
      ToDoubleFunction<Sample> value) {
    Gauge.builder(name, this, m -> value.applyAsDouble(m.sample)).description(description)
        .baseUnit(unit).register(registry);
  }

  private void counter(String name, String description, ToDoubleFunction<Sample> value) {
    FunctionCounter.builder(name, this, m -> value.applyAsDouble(m.sample))
        .description(description).register(registry);
  }

  private static Duration[] millis(double... ms) {
    Duration[] out = new Duration[ms.length];
    for (int i = 0; i < ms.length; i++) out[i] = Duration.ofNanos((long) (ms[i] * 1_000_000));
    return out;
  }
}
