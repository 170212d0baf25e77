package raftkv.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * A synchronous network of {@link RaftNode}s for unit tests. Persistence is instantaneous: each
 * Ready is advanced at once and both its messages and its messagesAfterPersist are delivered, in
 * order, within the same {@link #stabilize()} call. Everything is deterministic for a given seed.
 */
final class TestNetwork {

  private static final int MAX_PASSES = 10_000;

  private final Map<Integer, RaftNode> nodes = new TreeMap<>();
  private final Set<Integer> isolated = new HashSet<>();
  private final Set<Set<Integer>> cuts = new HashSet<>();
  private final Set<Class<? extends Message>> droppedTypes = new HashSet<>();
  private Predicate<Message> dropIf = m -> false;

  /** Every message that reached its destination, in delivery order. */
  final List<Message> delivered = new ArrayList<>();
  /** Per node: the read states and committed entries its Readies handed out. */
  final Map<Integer, List<ReadState>> readStates = new TreeMap<>();
  final Map<Integer, List<Entry>> committed = new TreeMap<>();

  static List<Integer> ids(int n) {
    return IntStream.rangeClosed(1, n).boxed().toList();
  }

  static RaftConfig.Builder config(int id, List<Integer> members, long seed) {
    return RaftConfig.builder(id, members, new SplittableRandom(seed * 1_000_003L + id));
  }

  /** A cluster of n fresh nodes with ids 1..n; {@code tweak} adjusts each default config. */
  static TestNetwork of(int n, long seed, UnaryOperator<RaftConfig.Builder> tweak) {
    TestNetwork net = new TestNetwork();
    for (int id : ids(n)) net.add(new RaftNode(tweak.apply(config(id, ids(n), seed)).build()));
    return net;
  }

  /** A log whose entry i + 1 has term terms[i] (commands name the position). */
  static List<Entry> log(long... terms) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) out.add(new Entry(i + 1, terms[i], "c" + (i + 1)));
    return out;
  }

  TestNetwork add(RaftNode node) {
    nodes.put(node.id(), node);
    readStates.put(node.id(), new ArrayList<>());
    committed.put(node.id(), new ArrayList<>());
    return this;
  }

  RaftNode node(int id) {
    return nodes.get(id);
  }

  TestNetwork isolate(int id) {
    isolated.add(id);
    return this;
  }

  TestNetwork cut(int a, int b) {
    cuts.add(Set.of(a, b));
    return this;
  }

  TestNetwork drop(Class<? extends Message> type) {
    droppedTypes.add(type);
    return this;
  }

  TestNetwork dropIf(Predicate<Message> p) {
    dropIf = dropIf.or(p);
    return this;
  }

  /** Heals every partition and stops dropping messages. */
  TestNetwork recover() {
    isolated.clear();
    cuts.clear();
    droppedTypes.clear();
    dropIf = m -> false;
    return this;
  }

  boolean canDeliver(Message m) {
    return nodes.containsKey(m.to()) && !isolated.contains(m.from()) && !isolated.contains(m.to())
        && !cuts.contains(Set.of(m.from(), m.to())) && !droppedTypes.contains(m.getClass())
        && !dropIf.test(m);
  }

  /** Delivers one message now, if the network lets it through. */
  void send(Message m) {
    if (!canDeliver(m)) return;
    delivered.add(m);
    nodes.get(m.to()).step(m);
  }

  /** Runs Ready/advance/deliver until no node has anything left to do. */
  void stabilize() {
    for (int pass = 0; pass < MAX_PASSES; pass++) {
      ArrayDeque<Message> queue = new ArrayDeque<>();
      boolean work = false;
      for (RaftNode n : nodes.values()) {
        Ready rd = n.ready();
        if (rd.isEmpty()) continue;
        work = true;
        n.advance(rd);
        readStates.get(n.id()).addAll(rd.readStates());
        committed.get(n.id()).addAll(rd.committedEntries());
        queue.addAll(rd.messages());
        queue.addAll(rd.messagesAfterPersist());
      }
      if (!work) return;
      while (!queue.isEmpty()) send(queue.poll());
    }
    throw new AssertionError("network did not stabilize within " + MAX_PASSES + " passes");
  }

  void tick(int id) {
    nodes.get(id).tick();
    stabilize();
  }

  /** One tick on every node, then stabilize. */
  void tickAll() {
    for (RaftNode n : nodes.values()) n.tick();
    stabilize();
  }

  /** Ticks every node until some node leads; returns the number of ticks it took. */
  int tickUntilLeader(int maxTicks) {
    stabilize();
    for (int t = 0; t <= maxTicks; t++) {
      if (leader().isPresent()) return t;
      tickAll();
    }
    throw new AssertionError("no leader within " + maxTicks + " ticks: " + nodes.values());
  }

  /** The leader of the highest term, if any node leads. */
  Optional<RaftNode> leader() {
    return nodes.values().stream().filter(n -> n.role() == Role.LEADER)
        .max((a, b) -> Long.compare(a.term(), b.term()));
  }

  @Override
  public String toString() {
    return nodes.values().toString();
  }
}
