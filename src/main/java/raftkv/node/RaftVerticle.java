package raftkv.node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig;
import raftkv.security.Tls;
import raftkv.kv.CommandStamper;
import raftkv.kv.EventHistory;
import raftkv.kv.KvCommand;
import raftkv.kv.KvEvent;
import raftkv.kv.KvObserver;
import raftkv.kv.KvResult;
import raftkv.kv.KvStateMachine;
import raftkv.kv.LoggedCommand;
import raftkv.metrics.Metrics;
import raftkv.raft.AppendEntries;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.InstallSnapshot;
import raftkv.raft.Membership;
import raftkv.raft.RaftConfig;
import raftkv.raft.RaftNode;
import raftkv.raft.Role;
import raftkv.raft.SnapshotMeta;
import raftkv.raft.SoftState;
import raftkv.storage.AsyncStorage;
import raftkv.storage.FileRaftStorage;
import raftkv.storage.StorageOptions;
import raftkv.transport.PeerStats;
import raftkv.transport.Transport;

/**
 * One Raft member on one event loop: it owns the write-ahead log, the transport and the
 * key-value state machine, and runs them as a {@link Replica} (the core, its driver and the
 * requests waiting on it). Every field belongs to this verticle's event loop; disk writes run on
 * the storage's own worker and come back here.
 *
 * <p>Its front end asks it through {@link #channel()}: a request hops onto this verticle's event
 * loop, and the answer back onto the asker's. A write is answered once its entry is applied here,
 * a linearizable read once a ReadIndex round confirms leadership.
 *
 * <p>When the replica halts (a broken invariant, a failed disk write), the node stops talking to
 * its peers and answers every request 503, and {@link #onHalt} is told: a node process exits.
 */
public final class RaftVerticle extends VerticleBase implements Replica.Host {

  private static final Logger LOG = LoggerFactory.getLogger(RaftVerticle.class);

  private final NodeConfig config;
  private final StorageOptions storageOptions;
  private KvStateMachine kv = new KvStateMachine();
  private final CommandStamper stamper = new CommandStamper();
  private Consumer<Throwable> onHalt = cause -> { };
  private AsyncStorage storage;
  private FileRaftStorage fileStorage;
  private Snapshotter snapshotter;
  private SnapshotSender snapshotSender;
  private SnapshotReceiver snapshotReceiver;
  private LoopLagProbe loopLag;
  private Transport transport;
  private Tls tls = Tls.OFF;
  private Replica<KvResult> replica;
  private long ticker = -1;
  private boolean processScheduled;
  private boolean stopping;
  /** Existing members' client URLs, for a node started to join a cluster; empty otherwise. */
  private List<String> joinUrls = List.of();
  private final MembershipHost membership;
  /** Writes that arrived while this leader was handing leadership over (§3.10). */
  private List<HeldWrite> heldWhileTransferring = new ArrayList<>();
  private int ticksHolding;

  private record HeldWrite(NodeRequest.Write write, NodeReply reply) {}

  /** The latest changes, for watchers; appended as entries apply, read by the front end. */
  private final EventHistory history;
  private final LeaseKeeper leases;
  private final KvObserver observer = new KvObserver() {
    @Override
    public void changed(KvEvent event) {
      history.append(event, monotonicMs());
    }

    @Override
    public void leaseGranted(long lease, long ttlMs, long term) {
      leases.granted(lease, ttlMs, term, monotonicMs());
    }

    @Override
    public void leaseEnded(long lease, boolean expired) {
      leases.ended(lease);
    }
  };

  private Metrics metrics = Metrics.off();
  private NodeMetrics nodeMetrics; // null while metrics are off
  /** For metrics and the dashboard: writes proposed, and requests answered, by this node. */
  private long proposals;
  private long writesServed;
  private long readsServed;

  /**
   * Who this node last knew to lead, for its front end to read from its own loop ({@link
   * NodeChannel#knownLeader}); written on this verticle's loop whenever the leader or the
   * configuration changes.
   */
  private volatile LeaderHint knownLeader = LeaderHint.NONE;

  public RaftVerticle(NodeConfig config, StorageOptions storageOptions) {
    this.config = config;
    this.storageOptions = storageOptions;
    this.membership = new MembershipHost(this, config);
    NodeConfig.Watch watch = config.watch();
    this.history = new EventHistory(watch.historyRevisions(), watch.historyBytes(),
        watch.historyMs());
    this.leases = new LeaseKeeper((long) config.electionTicks() * config.tickMs(),
        config.leases().maxExpiriesPerTick());
  }

  /** The lease clock's time: monotonic, unlike the wall clock the log's stamps use. */
  private static long monotonicMs() {
    return System.nanoTime() / 1_000_000;
  }

  /**
   * What to do once the node has halted (after it has logged why, failed its waiting requests
   * and closed its Raft port); called on the node's event loop. A node process exits.
   */
  public RaftVerticle onHalt(Consumer<Throwable> action) {
    this.onHalt = action;
    return this;
  }

  /**
   * Starts this node as one that joins an existing cluster: it does not bootstrap one of its own
   * from its configuration's members, asks the members at {@code urls} to add it as a learner,
   * and learns the configuration from the leader's log. A node that already joined (its log or
   * snapshot holds a configuration) ignores this.
   */
  public RaftVerticle joining(List<String> urls) {
    this.joinUrls = List.copyOf(urls);
    return this;
  }

  /** Where this node's metrics go (off unless given); call before deploying. */
  public RaftVerticle metrics(Metrics metrics) {
    this.metrics = metrics;
    return this;
  }

  /** The Raft port actually bound (useful when the configuration says 0). */
  public int raftPort() {
    return transport.port();
  }

  public Transport transport() {
    return transport;
  }

  @Override
  public Future<?> start() {
    Path dir = Path.of(config.dataDir());
    // the certificate is checked before anything else: a node that cannot talk to its peers
    // should not take its data directory
    return Tls.start(vertx, config.tls(), config.nodeId())
        .compose(loaded -> {
          tls = loaded;
          return vertx.executeBlocking(() -> FileRaftStorage.open(dir, storageOptions), false);
        })
        .compose(opened -> {
          fileStorage = opened;
          // the whole recovery runs on a worker: reading a large snapshot takes seconds
          return vertx.executeBlocking(
              () -> SnapshotRecovery.recover(opened, opened.load()), false);
        })
        .map(result -> {
          storage = new AsyncStorage(vertx, "node-" + config.nodeId(), fileStorage,
              config.tuning().groupCommit());
          return startReplica(result);
        })
        .compose(v -> replica.halted()
            ? Future.failedFuture(new IllegalStateException("it stopped while applying its"
                + " log: " + replica.haltCause()))
            : Transport.start(vertx, config.transportSettings(), tls, this::receive,
                snapshotReceiver))
        .map(t -> {
          transport = t;
          snapshotSender = new SnapshotSender(vertx, config.nodeId(), fileStorage.snapshots(),
              config.snapshots(), t, this::snapshotReported);
          ticker = vertx.setPeriodic(config.tickMs(), id -> tick());
          loopLag = new LoopLagProbe(vertx, snapshotter::writing);
          loopLag.start();
          startMetrics();
          membership.started(joinUrls);
          LOG.info("node {} started: term {}, log up to {}, raft port {}", config.nodeId(),
              replica.raft().term(), replica.raft().log().lastIndex(), t.port());
          return null;
        })
        .recover(this::failedToStart);
  }

  private void startMetrics() {
    if (!metrics.enabled()) return;
    NodeMetrics m = new NodeMetrics(metrics.registry());
    storage.onSync((nanos, entries, bytes) -> m.synced(nanos, entries));
    snapshotter.onTaken((nanos, bytes) -> m.snapshotTaken(nanos));
    nodeMetrics = m;
    metrics.beforeEachScrape(this::sampleMetrics);
  }

  /** Copies the state the metrics show, on this verticle's loop. */
  private Future<Void> sampleMetrics() {
    Promise<Void> sampled = Promise.promise();
    context.runOnContext(v -> {
      try {
        if (replica != null && transport != null) nodeMetrics.update(metricsSample());
      } finally {
        sampled.tryComplete();
      }
    });
    return sampled.future();
  }

  private NodeMetrics.Sample metricsSample() {
    RaftNode raft = replica.raft();
    return new NodeMetrics.Sample(raft.term(), raft.role(), raft.leaderId(), raft.commitIndex(),
        kv.appliedIndex(), raft.log().lastIndex(), raft.log().firstIndex(),
        snapshotter.latest().index(), snapshotter.latestBytes(), raft.counters(), proposals,
        readsServed, writesServed, kv.size(), kv.revision(), kv.requestIdCount(),
        raft.matchIndexes(), transport.peerStats(),
        snapshotSender == null ? 0 : snapshotSender.completed(), snapshotReceiver.received(),
        loopLag == null ? 0 : loopLag.maxLagMs(), storage.stats().bytes());
  }

  /** A failed start gets no {@link #stop()}: release the data directory, say what went wrong. */
  private Future<Object> failedToStart(Throwable cause) {
    tls.close();
    Future<Void> closed = storage != null ? storage.close()
        : fileStorage != null ? vertx.executeBlocking(() -> {
          fileStorage.close();
          return null;
        }, false) : Future.succeededFuture();
    return closed.transform(v -> Future.failedFuture(new IllegalStateException("node "
        + config.nodeId() + " could not start: " + cause.getMessage(), cause)));
  }

  private Void startReplica(SnapshotRecovery.Result recovered) {
    kv = recovered.kv();
    kv.observe(observer);
    history.restartAt(kv.revision()); // the entries replayed below refill it
    // a joining node bootstraps nothing: the leader's log tells it the configuration
    List<Integer> members = joinUrls.isEmpty()
        ? config.members().stream().map(NodeConfig.Member::id).toList() : List.of();
    Map<Integer, String> addresses = new TreeMap<>();
    for (NodeConfig.Member m : config.members()) {
      addresses.put(m.id(), MemberAddress.of(m).format());
    }
    RaftConfig raftConfig = RaftConfig.builder(config.nodeId(), members, new SplittableRandom())
        .addresses(addresses)
        .ticks(config.electionTicks(), config.heartbeatTicks())
        .maxInflightAppends(config.tuning().maxInflightAppends())
        .maxEntriesPerAppend(config.tuning().maxEntriesPerAppend())
        .maxCommittedPerReady(config.tuning().maxCommittedPerReady())
        .batchReads(config.tuning().batchReads())
        .compactionMargin(config.snapshots().logMarginEntries())
        .build();
    // the log segments hold more than the margin (whole segments are deleted); memory need not
    List<Entry> entries = keepMargin(recovered.entries(), recovered.snapshot());
    RaftNode raft = new RaftNode(raftConfig, recovered.hardState(), recovered.snapshot(), entries,
        kv.appliedIndex());
    snapshotter = new Snapshotter(vertx, config.nodeId(), fileStorage.snapshots(),
        config.snapshots(), recovered.snapshot(), recovered.snapshotBytes());
    snapshotReceiver = new SnapshotReceiver(vertx, config.nodeId(), fileStorage.snapshots(),
        () -> replica.raft().term(), this::deliverSnapshot);
    replica = new Replica<>(raft, this, this::apply);
    process(); // applies what was committed before the restart
    return null;
  }

  /** The stored entries from the compaction point of {@code snapshot} on. */
  private List<Entry> keepMargin(List<Entry> stored, SnapshotMeta snapshot) {
    if (stored.isEmpty() || snapshot.isNone()) return stored;
    long keepFrom = Math.max(1, snapshot.index() - config.snapshots().logMarginEntries() + 1);
    int skip = (int) Math.max(0, Math.min(stored.size(), keepFrom - stored.get(0).index()));
    return stored.subList(skip, stored.size());
  }

  /**
   * Waiting writes fail as "outcome unknown" (504): their entries are in the log and may commit
   * under the next leader, so "nothing was written" would invite a second, duplicate write.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(ticker);
    tls.close();
    membership.stop("node " + config.nodeId() + " is shutting down");
    failHeldWrites("node " + config.nodeId() + " is shutting down");
    if (loopLag != null) loopLag.stop();
    if (replica != null) replica.stop("node " + config.nodeId() + " is shutting down");
    Future<Void> transportClosed = transport == null ? Future.succeededFuture()
        : transport.close();
    // The transport's future may complete on a server's acceptor thread; the storage belongs
    // to this event loop.
    Promise<Void> stopped = Promise.promise();
    if (snapshotSender != null) snapshotSender.cancelAll();
    // Snapshot file work finishes first: closing the storage gives up the data directory.
    transportClosed.onComplete(v -> context.runOnContext(onLoop -> {
      List<Future<Void>> fileWork = new ArrayList<>();
      if (snapshotter != null) fileWork.add(snapshotter.close());
      if (snapshotReceiver != null) fileWork.add(snapshotReceiver.close());
      Future.join(fileWork)
          .eventually(() -> storage == null ? Future.succeededFuture() : storage.close())
          .<Void>mapEmpty().onComplete(stopped);
    }));
    return stopped.future();
  }

  // ------------------------------------------------------------------ inputs

  private void tick() {
    replica.tick();
    membership.tick();
    leases.tick(monotonicMs(), this::proposeExpiry);
    history.publish(monotonicMs());
    ticksHolding++;
    releaseHeldWrites();
    scheduleProcess();
  }

  private void receive(List<raftkv.raft.Message> messages) {
    if (replica == null) return; // only while starting
    replica.receive(messages);
    scheduleProcess();
  }

  /**
   * Runs the Ready loop once at the end of this event-loop turn, so every proposal, read and
   * message that arrived in the turn shares one Ready: one batch of appends, one disk write.
   */
  void scheduleProcess() {
    if (processScheduled || replica.halted()) return;
    processScheduled = true;
    context.runOnContext(v -> {
      processScheduled = false;
      process();
    });
  }

  /**
   * Runs the Ready loop, and when committed entries remain to be applied (a long log after a
   * restart arrives in slices), runs it again in a later turn: other events are served between
   * slices, and the loop never blocks for the whole log.
   */
  private void process() {
    replica.process();
    history.publish(monotonicMs());
    if (replica.hasCommittedToApply()) scheduleProcess();
    maybeSnapshot();
  }

  /** The leader ends a lease that ran out: one entry deletes its keys on every node. */
  private boolean proposeExpiry(long lease) {
    if (replica.raft().role() != Role.LEADER || replica.raft().transferTarget() != 0) {
      return false;
    }
    String command = stamper.stamp(new KvCommand.Revoke(lease, true, null),
        System.currentTimeMillis(), 0).encode();
    if (!replica.propose(command, IGNORED)) return false;
    proposals++;
    scheduleProcess();
    return true;
  }

  private KvResult apply(Entry entry) {
    snapshotter.applied(entry);
    return kv.apply(entry);
  }

  /**
   * Takes a snapshot when one is due: the state machine's view is handed to the snapshotter's
   * worker (O(1) here); once the file is durable, the core compacts its log and the log's
   * segments before the margin are deleted, in order with the log's writes.
   */
  private void maybeSnapshot() {
    if (replica.halted() || stopping || !snapshotter.due(kv.appliedIndex())) return;
    long index = kv.appliedIndex();
    SnapshotMeta meta = replica.raft().snapshotMeta(index);
    snapshotter.take(kv.snapshotView(), meta).onSuccess(bytes -> {
      if (replica.halted() || stopping) return;
      SnapshotMeta recorded = replica.snapshotTaken(index);
      if (recorded == null) return;
      storage.compact(snapshotter.compactionPoint(recorded))
          .onFailure(e -> replica.halt(e, "deleting log segments a snapshot covers"));
    });
  }

  /**
   * A complete snapshot arrived from the leader: hand it to the core as a message, and run the
   * Ready loop at once, which installs it if the core takes it. A state the core did not take
   * (the snapshot was older than what this node committed) is dropped rather than held.
   */
  private boolean deliverSnapshot(InstallSnapshot message) {
    if (replica == null || replica.halted() || stopping) return false;
    replica.receive(List.of(message));
    process();
    snapshotReceiver.dropPrepared();
    return true;
  }

  /** The sender's report on a transfer: the core decides what to send the follower next. */
  private void snapshotReported(int peer, boolean installed) {
    if (replica.halted() || stopping) return;
    replica.reportSnapshot(peer, installed);
    scheduleProcess();
  }

  /**
   * How this node's own front end asks it: a request hops onto this verticle's event loop, and
   * its answer back onto the asker's.
   */
  public NodeChannel channel() {
    return NodeChannel.direct(vertx, (request, reply) -> {
      if (context == null) {
        reply.fail(new NodeFailure.Unavailable("node " + config.nodeId() + " is not running"));
      } else {
        context.runOnContext(v -> serve(request, reply));
      }
    }, () -> knownLeader, history);
  }

  private void serve(NodeRequest body, NodeReply reply) {
    if (replica == null) {
      reply.fail(new NodeFailure.Unavailable("node " + config.nodeId() + " is starting"));
    } else if (replica.halted()) {
      refuse(reply);
    } else if (stopping) {
      reply.fail(new NodeFailure.Unavailable("node " + config.nodeId() + " is shutting down"));
    } else if (body instanceof NodeRequest.Write write) {
      propose(write, reply);
    } else if (body instanceof NodeRequest.Read read) {
      read(read, read.linearizable(), reply);
    } else if (body instanceof NodeRequest.Range range) {
      read(range, range.linearizable(), reply);
    } else if (body instanceof NodeRequest.KeepAlive keepAlive) {
      serveLease(keepAlive.lease(), 0, true, reply);
    } else if (body instanceof NodeRequest.LeaseStatus status) {
      serveLease(status.lease(), status.keyLimit(), false, reply);
    } else if (body instanceof NodeRequest.Status status) {
      reply.reply(status(status.withDigest()));
    } else if (body instanceof NodeRequest.Members) {
      reply.reply(membership.membersJson());
    } else if (body instanceof NodeRequest.TransferLeader transfer) {
      membership.transfer(transfer.to(), reply);
    } else {
      membership.change(body, reply);
    }
  }

  /**
   * Before a graceful stop: a leader hands leadership to its most up-to-date voter and waits
   * (at most two election timeouts) until that one leads, so a planned restart costs the
   * cluster no election timeout. Completes at once on a node that does not lead.
   */
  public Future<Void> handOverLeadership() {
    if (context == null) return Future.succeededFuture();
    Promise<Void> handedOver = Promise.promise();
    context.runOnContext(v -> {
      if (replica == null || replica.halted() || stopping) {
        handedOver.complete();
      } else {
        membership.handOverLeadership(handedOver);
      }
    });
    return handedOver.future();
  }

  @Override
  public void membershipChanged(Membership previous, Membership current) {
    membership.membershipChanged(previous, current);
    knownLeader = membership.leaderHint();
  }

  Replica<KvResult> replica() {
    return replica;
  }

  Vertx vertx() {
    return vertx;
  }

  private void propose(NodeRequest.Write write, NodeReply reply) {
    if (replica.raft().role() != Role.LEADER) {
      reply.fail(new NodeFailure.NotLeader(membership.leaderHint()));
      return;
    }
    if (replica.raft().transferTarget() != 0) {
      // §3.10: the leader takes no proposals while it hands over; the write waits, and goes to
      // the new leader once there is one (or is proposed here if the transfer is given up)
      if (heldWhileTransferring.isEmpty()) ticksHolding = 0;
      heldWhileTransferring.add(new HeldWrite(write, reply));
      return;
    }
    String requestId = write.command().requestId();
    if (requestId != null && !kv.remembersRequestId(requestId)
        && kv.requestIdBytes() >= config.requestIds().maxMemoryBytes()) {
      reply.fail(new NodeFailure.Overloaded("node " + config.nodeId() + " remembers as many request ids"
          + " as it may (about " + kv.requestIdBytes() / (1 << 20) + " MiB, requestIds."
          + "maxMemoryBytes) and forgets none before its retention ends"));
      moveTheLogClock();
      return;
    }
    String command = stamper.stamp(write.command(), System.currentTimeMillis(),
        write.keepIdMs()).encode();
    if (!replica.propose(command, answerWrite(reply))) {
      refuse(reply);
      return;
    }
    proposals++;
    scheduleProcess();
  }

  /**
   * Once the transfer is over, held writes are proposed here if this node still leads, and
   * otherwise refused as "not the leader", naming the new one, so the front end forwards them
   * there; after an election timeout with no leader known, refused all the same (503, nothing
   * written).
   */
  private void releaseHeldWrites() {
    if (heldWhileTransferring.isEmpty()) return;
    RaftNode raft = replica.raft();
    boolean settled = raft.role() == Role.LEADER ? raft.transferTarget() == 0
        : raft.leaderId() != SoftState.NO_LEADER || ticksHolding >= config.electionTicks();
    if (!settled) return;
    List<HeldWrite> held = heldWhileTransferring;
    heldWhileTransferring = new ArrayList<>();
    for (HeldWrite h : held) propose(h.write(), h.reply());
  }

  /** Held writes were never proposed: nothing was written. */
  private void failHeldWrites(String why) {
    for (HeldWrite h : heldWhileTransferring) h.reply().fail(new NodeFailure.Unavailable(why));
    heldWhileTransferring.clear();
  }

  /**
   * Ids are forgotten only as the log's clock moves, which only stamped entries do: while every
   * write is refused, none would be applied. So a refusing leader proposes a clock entry (at most
   * one per {@link CommandStamper#INTERVAL_MS}).
   */
  private void moveTheLogClock() {
    LoggedCommand clock = stamper.clockIfDue(System.currentTimeMillis());
    if (clock != null && replica.propose(clock.encode(), IGNORED)) scheduleProcess();
  }

  private static final Waiter<KvResult> IGNORED = new Waiter<>() {
    @Override
    public void succeeded(KvResult value) {}

    @Override
    public void failed(Failure failure, String why) {}
  };

  /** A request the replica did not take: it does not lead, or it has just halted. */
  void refuse(NodeReply reply) {
    if (replica.halted()) {
      reply.fail(new NodeFailure.Unavailable("node " + config.nodeId() + " has stopped after an"
          + " internal error (see its log)"));
    } else if (replica.raft().role() == Role.LEADER) {
      reply.fail(new NodeFailure.Unavailable("leadership is moving to node "
          + replica.raft().transferTarget()));
    } else {
      reply.fail(new NodeFailure.NotLeader(membership.leaderHint()));
    }
  }

  private void read(NodeRequest request, boolean linearizable, NodeReply reply) {
    if (!linearizable) {
      reply.reply(answerRead(request));
      return;
    }
    afterReadIndex(reply, () -> answerRead(request));
  }

  /** Answers {@code reply} with {@code answer} once a ReadIndex round confirms leadership. */
  private void afterReadIndex(NodeReply reply, java.util.function.Supplier<Object> answer) {
    Waiter<Void> waiter = new Waiter<>() {
      @Override
      public void succeeded(Void ignored) {
        reply.reply(answer.get());
      }

      @Override
      public void failed(Failure failure, String why) {
        failWith(reply, failure, why);
      }
    };
    if (!replica.read(waiter)) {
      refuse(reply);
      return;
    }
    scheduleProcess();
  }

  /**
   * A keep-alive or a look-up, on the leader: after a ReadIndex round, so that the answer is
   * given by a node that still leads and has applied every grant and revoke committed before.
   */
  private void serveLease(long lease, int keyLimit, boolean renew, NodeReply reply) {
    if (replica.raft().role() != Role.LEADER) {
      reply.fail(new NodeFailure.NotLeader(membership.leaderHint()));
      return;
    }
    // A keep-alive that arrived in time must not lose to an expiry due while its ReadIndex
    // round is under way: renewing now only lengthens the lease, and the answer still waits
    // for the round.
    if (renew) leases.renew(lease, kv, monotonicMs());
    afterReadIndex(reply, () -> renew ? renewed(lease) : leaseStatus(lease, keyLimit));
  }

  private LeaseReply renewed(long lease) {
    long ttl = leases.renew(lease, kv, monotonicMs());
    return ttl < 0 ? LeaseReply.absent(lease)
        : new LeaseReply(lease, true, ttl, ttl, 0, List.of());
  }

  private LeaseReply leaseStatus(long lease, int keyLimit) {
    long remaining = leases.remainingMs(lease, monotonicMs());
    return kv.lease(lease, keyLimit)
        .filter(info -> remaining != 0 || !leases.leading())
        .map(info -> new LeaseReply(lease, true, info.ttlMs(), Math.max(0, remaining),
            info.keyCount(), info.keys()))
        .orElse(LeaseReply.absent(lease));
  }

  private Waiter<KvResult> answerWrite(NodeReply reply) {
    return new Waiter<>() {
      @Override
      public void succeeded(KvResult result) {
        writesServed++;
        reply.reply(result);
      }

      @Override
      public void failed(Failure failure, String why) {
        failWith(reply, failure, why);
      }
    };
  }

  void failWith(NodeReply reply, Failure failure, String why) {
    switch (failure) {
      case NOT_LEADER -> reply.fail(new NodeFailure.NotLeader(membership.leaderHint()));
      case NOT_APPLIED, UNAVAILABLE -> reply.fail(new NodeFailure.Unavailable(why));
      case OUTCOME_UNKNOWN -> reply.fail(new NodeFailure.OutcomeUnknown(why));
    }
  }

  private Object answerRead(NodeRequest request) {
    readsServed++;
    if (request instanceof NodeRequest.Read read) {
      return new ReadReply(kv.get(read.key()).orElse(null), kv.appliedIndex());
    }
    NodeRequest.Range range = (NodeRequest.Range) request;
    KvStateMachine.Page page = kv.page(range.prefix(), range.after(), range.limit(),
        range.maxBytes(), range.withValues());
    return new RangeReply(page.keyValues(), page.more(), kv.appliedIndex());
  }

  // ------------------------------------------------------------------ Replica.Host

  @Override
  public void send(raftkv.raft.Message message) {
    // only while starting, before the transport is up: a lost message is normal in Raft
    if (transport == null) return;
    if (message instanceof InstallSnapshot install) {
      snapshotSender.send(install);
    } else {
      if (nodeMetrics != null && message instanceof AppendEntries append
          && !append.entries().isEmpty()) {
        nodeMetrics.appendSent(append.entries().size());
      }
      transport.send(message);
    }
  }

  @Override
  public void installSnapshot(SnapshotMeta snapshot) {
    SnapshotReceiver.Prepared prepared = snapshotReceiver.takePrepared(snapshot);
    if (prepared == null) {
      throw new IllegalStateException("the core installs the " + snapshot
          + ", but no state was received for it");
    }
    kv = prepared.loaded().store();
    kv.observe(observer);
    history.restartAt(kv.revision()); // the changes up to the snapshot are not known here
    snapshotter.installed(snapshot, prepared.bytes());
    LOG.info("node {}: installed the {} from the leader ({} keys)", config.nodeId(), snapshot,
        kv.size());
  }

  @Override
  public void persist(HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
      Runnable onDurable) {
    storage.persist(hardState, snapshot, entries).onComplete(done -> {
      if (done.succeeded()) {
        onDurable.run(); // may apply entries (a leader's own fsync commits them)
        history.publish(monotonicMs());
        if (replica.hasCommittedToApply()) scheduleProcess();
      } else {
        replica.halt(done.cause(), "writing its log");
      }
    });
  }

  @Override
  public void roleChanged(SoftState previous, SoftState current) {
    if (previous.role() == Role.LEADER && snapshotSender != null) snapshotSender.cancelAll();
    if (current.role() == Role.LEADER && previous.role() != Role.LEADER) {
      leases.becameLeader(current.term(), kv, monotonicMs());
    } else if (current.role() != Role.LEADER && previous.role() == Role.LEADER) {
      leases.stoppedLeading();
    }
    membership.leaderIs(current.leaderId(), current.term());
    knownLeader = membership.leaderHint();
    releaseHeldWrites();
    LOG.info(RoleChangeLog.describe(config.nodeId(), previous, current,
        replica == null ? 0 : replica.raft().log().lastIndex()));
  }

  /**
   * Says what happened and what to do, then stops talking to peers: a halted node must not vote
   * or acknowledge, and a peer that cannot connect treats it as down.
   */
  @Override
  public void halted(Throwable cause, String during) {
    vertx.cancelTimer(ticker);
    failHeldWrites("node " + config.nodeId() + " has stopped after an internal error");
    if (loopLag != null) loopLag.stop();
    if (snapshotSender != null) snapshotSender.cancelAll();
    if (cause instanceof IOException) {
      LOG.error("node {} stops: {} failed ({}). Nothing unsynced was acknowledged. Check the disk"
          + " under {} and restart the node: it recovers what its disk holds.", config.nodeId(),
          during, cause.toString(), config.dataDir(), cause);
    } else {
      LOG.error("node {} stops: an internal error while {}: {}. Its state was not changed any"
          + " further and nothing more was sent. Restart the node: it recovers from its data"
          + " directory, which holds only what was made durable. If it stops again the same way,"
          + " keep {} and this log for the developers, and replace the node: remove it from the"
          + " cluster (DELETE /v1/members/{}) and add a new node with a new id and an empty data"
          + " directory (never a copy of another member's: its term and vote are that member's).",
          config.nodeId(), during, cause.toString(), config.dataDir(), config.nodeId(), cause);
    }
    Future<Void> closed = transport == null ? Future.succeededFuture() : transport.close();
    closed.onComplete(v -> onHalt.accept(cause));
  }

  /** TLS for what this node dials and serves on its Raft port ({@link Tls#OFF} when off). */
  Tls tls() {
    return tls;
  }

  // ------------------------------------------------------------------ status

  private long digestAppliedIndex = -1;
  private String digest;

  /** The state digest is O(keys): recompute it only when something was applied since. */
  private String digest() {
    if (digestAppliedIndex != kv.appliedIndex()) {
      digest = kv.digest();
      digestAppliedIndex = kv.appliedIndex();
    }
    return digest;
  }

  private JsonObject status(boolean withDigest) {
    RaftNode raft = replica.raft();
    JsonObject out = new JsonObject()
        .put("nodeId", config.nodeId())
        .put("role", raft.role().name())
        .put("term", raft.term())
        .put("leaderId", raft.leaderId())
        .put("commitIndex", raft.commitIndex())
        .put("leaderCommitIndex", raft.leaderCommitIndex())
        .put("appliedIndex", kv.appliedIndex())
        .put("lastIndex", raft.log().lastIndex())
        .put("firstIndex", raft.log().firstIndex())
        .put("snapshot", new JsonObject().put("index", snapshotter.latest().index())
            .put("term", snapshotter.latest().term()).put("bytes", snapshotter.latestBytes()))
        .put("revision", kv.revision())
        .put("keys", kv.size())
        .put("leases", new JsonObject().put("count", kv.leaseCount())
            .put("expiriesProposed", leases.expiriesProposed()))
        .put("watchHistory", new JsonObject().put("oldestRevision", history.oldest())
            .put("revisions", history.size()));
    if (withDigest) out.put("digest", digest());
    JsonObject members = membership.membersJson(); // as GET /v1/members lists them
    out.put("members", members.getJsonArray("voters"));
    out.put("learners", members.getJsonArray("learners"));
    out.put("membership", new JsonObject().put("self", membership.standing())
        .put("index", raft.membershipIndex())
        .put("committed", raft.membershipIndex() <= raft.commitIndex()));
    if (raft.transferTarget() != 0) out.put("transferringTo", raft.transferTarget());
    if (raft.role() == Role.LEADER) {
      JsonObject followers = new JsonObject();
      raft.matchIndexes().forEach((id, match) -> followers.put(Integer.toString(id),
          new JsonObject().put("matchIndex", match)));
      out.put("followers", followers);
      out.put("followerLogRegressions", raft.followerLogRegressions());
    }
    out.put("snapshots", new JsonObject().put("taken", snapshotter.taken())
        .put("sent", snapshotSender == null ? 0 : snapshotSender.completed())
        .put("received", snapshotReceiver.received()));
    if (loopLag != null) {
      out.put("eventLoop", new JsonObject().put("maxLagMs", loopLag.maxLagMs())
          .put("maxLagWhileSnapshottingMs", loopLag.maxLagWhileSnapshottingMs())
          .put("lastSnapshotMaxLagMs", loopLag.lastSnapshotMaxLagMs()));
    }
    out.put("requestIds", new JsonObject().put("count", kv.requestIdCount())
        .put("bytes", kv.requestIdBytes()));
    AsyncStorage.Stats s = storage.stats();
    out.put("storage", new JsonObject().put("persists", s.persists()).put("fsyncs", s.logSyncs())
        .put("entriesWritten", s.entries()).put("bytesWritten", s.bytes())
        .put("fsyncSeconds", s.syncNanos() / 1e9));
    out.put("served", new JsonObject().put("writes", writesServed).put("reads", readsServed)
        .put("proposals", proposals));
    JsonArray peers = new JsonArray();
    for (PeerStats p : transport.peerStats()) peers.add(p.toJson());
    out.put("peers", peers);
    return out;
  }
}
