package raftkv.server;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.kv.KvResult;
import raftkv.kv.KvStateMachine;
import raftkv.node.NodeDriver;
import raftkv.raft.Entry;
import raftkv.raft.HardState;
import raftkv.raft.RaftConfig;
import raftkv.raft.RaftNode;
import raftkv.raft.ReadState;
import raftkv.raft.Role;
import raftkv.raft.SoftState;
import raftkv.storage.AsyncStorage;
import raftkv.storage.FileRaftStorage;
import raftkv.storage.Recovered;
import raftkv.storage.StorageOptions;
import raftkv.transport.PeerStats;
import raftkv.transport.Transport;

/**
 * One Raft member on one event loop: it owns the core, the write-ahead log, the transport and
 * the key-value state machine, and drives them with a {@link NodeDriver}. Every field belongs to
 * this verticle's event loop; disk writes run on the storage's own worker and come back here.
 *
 * <p>Front ends talk to it over the local event bus ({@link NodeBus}); a write is answered once
 * its entry is applied here, a linearizable read once a ReadIndex round confirms leadership.
 */
public final class RaftVerticle extends VerticleBase implements NodeDriver.Environment {

  private static final Logger LOG = LoggerFactory.getLogger(RaftVerticle.class);

  private record PendingWrite(long term, NodeReply reply) {}

  private record PendingRead(NodeRequest request, NodeReply reply) {}

  private final NodeConfig config;
  private final StorageOptions storageOptions;
  private AsyncStorage storage;
  private Transport transport;
  private RaftNode raft;
  private NodeDriver driver;
  private final KvStateMachine kv = new KvStateMachine();
  private MessageConsumer<Object> consumer;
  private long ticker;
  private boolean processScheduled;
  private boolean failed;
  private boolean stopped;

  private final Map<Long, PendingWrite> pendingWrites = new HashMap<>();
  private final Map<Long, PendingRead> pendingReads = new HashMap<>();
  private long nextReadContext = 1;

  public RaftVerticle(NodeConfig config, StorageOptions storageOptions) {
    this.config = config;
    this.storageOptions = storageOptions;
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
    NodeBus.registerCodecs(vertx);
    Path dir = Path.of(config.dataDir());
    return vertx.executeBlocking(() -> FileRaftStorage.open(dir, storageOptions), false)
        .compose(fileStorage -> {
          storage = new AsyncStorage(vertx, "node-" + config.nodeId(), fileStorage,
              config.tuning().groupCommit());
          return storage.load();
        })
        .compose(this::startRaft)
        .compose(v -> Transport.start(vertx, config, this::receive))
        .map(t -> {
          transport = t;
          consumer = vertx.eventBus().consumer(NodeBus.address(config.nodeId()), this::handle);
          ticker = vertx.setPeriodic(config.tickMs(), id -> tick());
          LOG.info("node {} started: term {}, log up to {}, raft port {}", config.nodeId(),
              raft.term(), raft.log().lastIndex(), t.port());
          return null;
        });
  }

  private Future<Void> startRaft(Recovered recovered) {
    recovered.warnings().forEach(w -> LOG.warn("recovery: {}", w));
    List<Integer> members = config.members().stream().map(NodeConfig.Member::id).toList();
    RaftConfig raftConfig = RaftConfig.defaults(config.nodeId(), members, new SplittableRandom())
        .withTicks(config.electionTicks(), config.heartbeatTicks());
    raftConfig = raftConfig.withReplicationLimits(config.tuning().maxInflightAppends(),
        config.tuning().maxEntriesPerAppend(), raftConfig.maxBytesPerAppend())
        .withReadBatching(config.tuning().batchReads());
    raft = new RaftNode(raftConfig, recovered.hardState(), recovered.entries(), 0);
    driver = new NodeDriver(raft, this);
    process(); // applies what was committed before the restart
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(ticker);
    failAllPending(NodeBus.UNAVAILABLE, "node is shutting down");
    Future<Void> unregister = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregister
        .compose(v -> transport == null ? Future.succeededFuture() : transport.close())
        .compose(v -> storage == null ? Future.succeededFuture() : storage.close());
  }

  // ------------------------------------------------------------------ inputs

  private void tick() {
    if (failed) return;
    raft.tick();
    scheduleProcess();
  }

  private void receive(List<raftkv.raft.Message> messages) {
    if (failed) return;
    for (raftkv.raft.Message m : messages) raft.step(m);
    scheduleProcess();
  }

  /**
   * Runs the driver once at the end of this event-loop turn, so every proposal, read and message
   * that arrived in the turn shares one Ready: one batch of appends, one disk write.
   */
  private void scheduleProcess() {
    if (processScheduled) return;
    processScheduled = true;
    context.runOnContext(v -> {
      processScheduled = false;
      if (!failed) process();
    });
  }

  /**
   * Runs the driver, and when committed entries remain to be applied (a long log after a
   * restart arrives in slices), runs it again in a later turn: other events are served between
   * slices, and the loop never blocks for the whole log.
   */
  private void process() {
    driver.process();
    if (!failed && raft.hasCommittedToApply()) scheduleProcess();
  }

  /**
   * How this node's own front end asks it: directly, without the event bus. Requests hop onto
   * this verticle's event loop; answers hop back onto the asker's.
   */
  public NodeChannel channel() {
    return (request, timeoutMs) -> {
      Promise<Object> promise = Promise.promise();
      NodeReply reply = new NodeReply.Direct(vertx, promise, timeoutMs);
      if (context == null) {
        reply.fail(NodeBus.UNAVAILABLE, "node " + config.nodeId() + " is not running");
      } else {
        context.runOnContext(v -> serve(request, reply));
      }
      return promise.future();
    };
  }

  private void handle(Message<Object> message) {
    serve(message.body(), NodeReply.to(message));
  }

  private void serve(Object body, NodeReply message) {
    if (failed) {
      message.fail(NodeBus.UNAVAILABLE, "node " + config.nodeId() + " stopped after a disk error");
      return;
    }
    if (stopped) {
      message.fail(NodeBus.UNAVAILABLE, "node " + config.nodeId() + " is shutting down");
      return;
    }
    if (body instanceof NodeRequest.Write write) {
      propose(write, message);
    } else if (body instanceof NodeRequest.Read read) {
      read(read, read.linearizable(), message);
    } else if (body instanceof NodeRequest.Range range) {
      read(range, range.linearizable(), message);
    } else if (body instanceof NodeRequest.Status status) {
      message.reply(status(status.withDigest()));
    } else {
      message.fail(400, "unknown request " + body);
    }
  }

  private void propose(NodeRequest.Write write, NodeReply message) {
    if (raft.role() != Role.LEADER) {
      message.fail(NodeBus.NOT_LEADER, Integer.toString(raft.leaderId()));
      return;
    }
    long index = raft.propose(write.command().encode());
    pendingWrites.put(index, new PendingWrite(raft.term(), message));
    scheduleProcess();
  }

  private void read(NodeRequest request, boolean linearizable, NodeReply message) {
    if (!linearizable) {
      message.reply(answerRead(request));
      return;
    }
    long context = nextReadContext++;
    if (!raft.readIndex(context)) {
      message.fail(NodeBus.NOT_LEADER, Integer.toString(raft.leaderId()));
      return;
    }
    pendingReads.put(context, new PendingRead(request, message));
    scheduleProcess();
  }

  private Object answerRead(NodeRequest request) {
    if (request instanceof NodeRequest.Read read) {
      return new ReadReply(kv.get(read.key()).orElse(null));
    }
    NodeRequest.Range range = (NodeRequest.Range) request;
    return new RangeReply(kv.range(range.prefix(), range.limit()));
  }

  // ------------------------------------------------------------------ NodeDriver.Environment

  @Override
  public void send(raftkv.raft.Message message) {
    // only while starting, before the transport is up: a lost message is normal in Raft
    if (transport != null) transport.send(message);
  }

  @Override
  public void persist(HardState hardState, List<Entry> entries, Runnable onDurable) {
    storage.persist(hardState, entries).onComplete(done -> {
      if (done.succeeded()) {
        onDurable.run();
        if (raft.hasCommittedToApply()) scheduleProcess();
      } else {
        failNode(done.cause());
      }
    });
  }

  @Override
  public void apply(Entry entry) {
    KvResult result = kv.apply(entry);
    PendingWrite pending = pendingWrites.remove(entry.index());
    if (pending == null) return;
    if (pending.term() == entry.term()) {
      pending.reply().reply(result);
    } else {
      // another leader's entry took this index: ours can never commit
      pending.reply().fail(NodeBus.UNAVAILABLE, "leadership changed; the write was not applied");
    }
  }

  @Override
  public void readReady(ReadState read) {
    PendingRead pending = pendingReads.remove(read.context());
    if (pending != null) pending.reply().reply(answerRead(pending.request()));
  }

  @Override
  public void readAborted(long context) {
    PendingRead pending = pendingReads.remove(context);
    if (pending != null) {
      pending.reply().fail(NodeBus.NOT_LEADER, Integer.toString(raft.leaderId()));
    }
  }

  @Override
  public void softStateChanged(SoftState previous, SoftState current) {
    LOG.info("node {}: {} -> {} in term {}, leader {}", config.nodeId(), previous.role(),
        current.role(), current.term(), current.leaderId());
    if (previous.role() == Role.LEADER && current.role() != Role.LEADER) {
      // hashicorp/raft's ErrLeadershipLost: these may or may not commit
      pendingWrites.values().forEach(p -> p.reply().fail(NodeBus.OUTCOME_UNKNOWN,
          "leadership lost while the write was in flight; retry with the same X-Request-Id"));
      pendingWrites.clear();
    }
  }

  private void failNode(Throwable cause) {
    if (failed) return;
    failed = true;
    vertx.cancelTimer(ticker);
    LOG.error("node {} stops: writing its log failed ({}). Nothing unsynced was acknowledged. "
        + "Check the disk under {} and restart the node.", config.nodeId(), cause.toString(),
        config.dataDir());
    failAllPending(NodeBus.OUTCOME_UNKNOWN, "the node's disk failed");
  }

  private void failAllPending(int code, String why) {
    pendingWrites.values().forEach(p -> p.reply().fail(code, why));
    pendingWrites.clear();
    pendingReads.values().forEach(p -> p.reply().fail(NodeBus.UNAVAILABLE, why));
    pendingReads.clear();
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
    JsonObject out = new JsonObject()
        .put("nodeId", config.nodeId())
        .put("role", raft.role().name())
        .put("term", raft.term())
        .put("leaderId", raft.leaderId())
        .put("commitIndex", raft.commitIndex())
        .put("appliedIndex", kv.appliedIndex())
        .put("lastIndex", raft.log().lastIndex())
        .put("revision", kv.revision())
        .put("keys", kv.size());
    if (withDigest) out.put("digest", digest());
    JsonArray members = new JsonArray();
    for (NodeConfig.Member m : config.members()) {
      members.add(new JsonObject().put("id", m.id()).put("clientUrl", m.clientUrl())
          .put("raftAddress", m.host() + ":" + m.raftPort()));
    }
    out.put("members", members);
    if (raft.role() == Role.LEADER) {
      JsonObject followers = new JsonObject();
      raft.matchIndexes().forEach((id, match) -> followers.put(Integer.toString(id),
          new JsonObject().put("matchIndex", match)));
      out.put("followers", followers);
    }
    AsyncStorage.Stats s = storage.stats();
    out.put("storage", new JsonObject().put("persists", s.persists()).put("fsyncs", s.logSyncs())
        .put("entriesWritten", s.entries()));
    JsonArray peers = new JsonArray();
    for (PeerStats p : transport.peerStats()) peers.add(p.toJson());
    out.put("peers", peers);
    return out;
  }
}
