package raftkv.frontend;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import raftkv.kv.KvCommand;
import raftkv.kv.KvStateMachine;
import raftkv.node.LeaderHint;
import raftkv.node.NodeChannel;
import raftkv.node.NodeFailure;
import raftkv.node.NodeReply;
import raftkv.node.NodeRequest;
import raftkv.node.RangeReply;
import raftkv.node.ReadReply;
import raftkv.raft.Entry;

/**
 * A stand-in for a node's RaftVerticle, asked through {@link #channel}: a real {@link KvStateMachine} that
 * applies every write as the next log entry when this node "leads", NOT_LEADER when another does,
 * and failures, silence or held-back replies on demand. Stale reads are served locally whoever
 * leads, as a follower does.
 */
public final class FakeNode {

  /** The fake nodes running in each Vertx, by id: what a front end's channel finds. */
  private static final Map<Vertx, Map<Integer, FakeNode>> RUNNING = new WeakHashMap<>();

  final int id;
  private final Vertx vertx;
  /** Its own event loop, as a node's verticle has. */
  private final Context context;
  private final KvStateMachine store = new KvStateMachine();
  private long lastIndex;

  /** The node this one says leads; 0 for none. */
  public volatile int leaderId;
  /** The voters its status reports (the gateway follows them); none by default. */
  public volatile JsonArray reportedMembers = new JsonArray();
  public volatile long term = 1;
  /** Never reply to key-value requests (a node stuck mid-commit). */
  public volatile boolean silent;
  /**
   * Whether its front end may read {@link #leaderId} without asking (as a node's does), and so
   * forward requests for the leader at once; off, every request reaches the node first.
   */
  public volatile boolean hintLeader = true;
  /** Keep replies back until {@link #releaseHeld()}. */
  public volatile boolean holdReplies;

  /** How many Status requests (GET /v1/cluster at its front end) it has answered. */
  public final AtomicInteger statusAnswered = new AtomicInteger();
  /** Every key-value request received, in order (Status requests are not recorded). */
  public final List<NodeRequest> received = new CopyOnWriteArrayList<>();
  private final Queue<NodeFailure> failures = new ConcurrentLinkedQueue<>();
  private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();

  private FakeNode(Vertx vertx, int id, int leaderId) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.id = id;
    this.leaderId = leaderId;
  }

  /** Node {@code id}, which thinks {@code leaderId} leads, found by {@link #channel}. */
  public static FakeNode start(Vertx vertx, int id, int leaderId) {
    FakeNode node = new FakeNode(vertx, id, leaderId);
    synchronized (RUNNING) {
      RUNNING.computeIfAbsent(vertx, v -> new ConcurrentHashMap<>()).put(id, node);
    }
    return node;
  }

  public void stop() {
    synchronized (RUNNING) {
      RUNNING.getOrDefault(vertx, Map.of()).remove(id, this);
    }
  }

  /**
   * How a front end asks node {@code id} of this Vertx: whichever fake node runs under that id
   * when it asks, or none ("not running", as a node that has not started answers).
   */
  public static NodeChannel channel(Vertx vertx, int id) {
    return NodeChannel.direct(vertx, (request, reply) -> {
      FakeNode node = running(vertx, id);
      if (node == null) {
        reply.fail(new NodeFailure.Unavailable("node " + id + " is not running"));
      } else {
        node.context.runOnContext(v -> node.handle(request, reply));
      }
    }, () -> {
      FakeNode node = running(vertx, id);
      return node == null || !node.hintLeader ? LeaderHint.NONE : node.leaderHint();
    });
  }

  private static FakeNode running(Vertx vertx, int id) {
    synchronized (RUNNING) {
      return RUNNING.getOrDefault(vertx, Map.of()).get(id);
    }
  }

  /** The leader as this node names it: its id, and no URL (the front end's file has it). */
  private LeaderHint leaderHint() {
    return new LeaderHint(leaderId, null);
  }

  /** The next key-value request fails with {@code failure}. */
  public void failNext(NodeFailure failure) {
    failures.add(failure);
  }

  public void releaseHeld() {
    holdReplies = false;
    for (Runnable reply = held.poll(); reply != null; reply = held.poll()) {
      Runnable send = reply;
      vertx.runOnContext(v -> send.run());
    }
  }

  public List<KvCommand.KeyWrite> writes() {
    List<KvCommand.KeyWrite> writes = new ArrayList<>();
    for (NodeRequest r : received) {
      if (r instanceof NodeRequest.Write w && w.command() instanceof KvCommand.KeyWrite k) {
        writes.add(k);
      }
    }
    return writes;
  }

  private void handle(NodeRequest request, NodeReply message) {
    if (request instanceof NodeRequest.Status) {
      message.reply(status());
      statusAnswered.incrementAndGet();
      return;
    }
    received.add(request);
    NodeFailure failure = failures.poll();
    if (failure != null) {
      message.fail(failure);
    } else if (silent) {
      // no answer: the front end's deadline decides
    } else if (leaderId != id && !isStaleRead(request)) {
      message.fail(new NodeFailure.NotLeader(leaderHint()));
    } else if (holdReplies) {
      Object reply = serve(request);
      held.add(() -> message.reply(reply));
    } else {
      message.reply(serve(request));
    }
  }

  private static boolean isStaleRead(Object request) {
    return (request instanceof NodeRequest.Read r && !r.linearizable())
        || (request instanceof NodeRequest.Range r2 && !r2.linearizable());
  }

  private Object serve(Object request) {
    if (request instanceof NodeRequest.Members) {
      return new JsonObject().put("voters", reportedMembers.copy()).put("learners",
          new JsonArray());
    }
    if (request instanceof NodeRequest.Write write) {
      return store.apply(new Entry(++lastIndex, term, write.command().encode()));
    }
    if (request instanceof NodeRequest.Read read) {
      return new ReadReply(store.get(read.key()).orElse(null), store.appliedIndex());
    }
    NodeRequest.Range range = (NodeRequest.Range) request;
    KvStateMachine.Page page = store.page(range.prefix(), range.after(), range.limit(),
        range.maxBytes(), range.withValues());
    return new RangeReply(page.keyValues(), page.more(), store.appliedIndex());
  }

  private JsonObject status() {
    return new JsonObject()
        .put("id", id)
        .put("role", leaderId == id ? "LEADER" : "FOLLOWER")
        .put("term", term)
        .put("leaderId", leaderId)
        .put("commitIndex", lastIndex)
        .put("lastApplied", lastIndex)
        .put("members", reportedMembers.copy());
  }
}
