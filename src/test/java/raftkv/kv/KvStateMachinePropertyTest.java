package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.slf4j.LoggerFactory;
import raftkv.kv.KvCommand.Delete;
import raftkv.kv.KvCommand.Put;
import raftkv.raft.Entry;

/**
 * Random logs of puts, deletes, conditions, retries, no-ops and garbage: every replica must reach
 * the same state with the same answers, and that state must be the one a naive model computes.
 */
class KvStateMachinePropertyTest {

  private static final List<String> KEYS = List.of("a", "a/b", "a/c", "ab", "b", "é", "日本/鍵", "😀");
  private static final List<String> PREFIXES = List.of("", "a", "a/", "b", "日本/", "z");

  // ---- properties

  @Property
  void replicasApplyingTheSameLogAgree(@ForAll("logs") List<Step> steps) {
    Scenario scenario = Scenario.resolve(steps);
    KvStateMachine one = new KvStateMachine();
    KvStateMachine other = new KvStateMachine();

    for (Entry entry : scenario.entries) {
      assertThat(other.apply(entry)).isEqualTo(one.apply(entry));
    }

    assertThat(other.digest()).isEqualTo(one.digest());
    assertThat(other.range("", Integer.MAX_VALUE)).isEqualTo(one.range("", Integer.MAX_VALUE));
    assertThat(other.revision()).isEqualTo(one.revision());
  }

  @Property
  void theStoreMatchesANaiveModel(
      @ForAll("logs") List<Step> steps,
      @ForAll("prefixes") String prefix,
      @ForAll @IntRange(min = 1, max = 5) int limit) {
    Scenario scenario = Scenario.resolve(steps);
    KvStateMachine kv = new KvStateMachine();

    for (int i = 0; i < scenario.entries.size(); i++) {
      KvResult result = kv.apply(scenario.entries.get(i));
      assertSameOutcome(result, scenario.expectedResults.get(i));
    }

    Model model = scenario.model;
    assertThat(kv.revision()).isEqualTo(model.revision);
    assertThat(kv.size()).isEqualTo(model.values.size());
    assertThat(kv.appliedIndex()).isEqualTo(scenario.entries.size());
    assertThat(kv.requestIdCount()).isEqualTo(model.firstResults.size());
    assertThat(kv.range("", Integer.MAX_VALUE)).isEqualTo(model.keyValues());
    for (String key : KEYS) assertThat(kv.get(key)).isEqualTo(model.get(key));
    assertThat(kv.range(prefix, limit))
        .isEqualTo(
            model.keyValues().stream().filter(kvp -> kvp.key().startsWith(prefix)).limit(limit)
                .toList());
  }

  @Property
  void oneDifferentByteMakesADifferentDigest(
      @ForAll("logs") List<Step> steps,
      @ForAll("keys") String key,
      @ForAll byte[] value,
      @ForAll int position) {
    Scenario scenario = Scenario.resolve(steps);
    KvStateMachine one = new KvStateMachine();
    KvStateMachine other = new KvStateMachine();
    scenario.entries.forEach(one::apply);
    scenario.entries.forEach(other::apply);
    byte[] changed = value.clone();
    if (changed.length == 0) changed = new byte[] {0};
    changed[Math.floorMod(position, changed.length)] ^= 1;

    long next = scenario.entries.size() + 1;
    one.apply(new Entry(next, 1, new Put(key, value).encode()));
    other.apply(new Entry(next, 1, new Put(key, changed).encode()));

    assertThat(other.digest()).isNotEqualTo(one.digest());
  }

  @Property
  void aRestoredSnapshotContinuesLikeTheOriginal(
      @ForAll("logs") List<Step> steps, @ForAll @IntRange(min = 0, max = 60) int cut) {
    Scenario scenario = Scenario.resolve(steps);
    List<Entry> before = scenario.entries.subList(0, Math.min(cut, scenario.entries.size()));
    List<Entry> after = scenario.entries.subList(before.size(), scenario.entries.size());
    KvStateMachine original = new KvStateMachine();
    before.forEach(original::apply);

    KvStateMachine restored = KvSnapshotTest.roundTrip(original);

    assertThat(restored.digest()).isEqualTo(original.digest());
    for (Entry entry : after) assertThat(restored.apply(entry)).isEqualTo(original.apply(entry));
    assertThat(restored.digest()).isEqualTo(original.digest());
    assertThat(restored.appliedIndex()).isEqualTo(original.appliedIndex());
  }

  // ---- generated logs

  /** RETRY sends an earlier request again; REUSE sends a new request under an earlier id. */
  enum Kind { PUT, DELETE, RETRY, REUSE, NOOP, GARBAGE }

  /** How a step's condition is chosen, relative to the state when the step is reached. */
  enum Condition { ANY, IF_ABSENT, CURRENT, STALE, FUTURE }

  /**
   * One step of a generated log, before it is resolved against the state it meets.
   *
   * @param pick which key, or for a RETRY or REUSE which earlier request id
   * @param advanceMs how far the leader's clock moved since the previous step (it may go back:
   *     a new leader's clock can be behind)
   * @param shortKeep whether the request id is remembered for {@link #SHORT_KEEP_MS} rather than
   *     {@link #LONG_KEEP_MS}
   */
  record Step(Kind kind, int pick, byte[] value, Condition condition, boolean withRequestId,
      int advanceMs, boolean shortKeep) {
    @Override
    public String toString() {
      return kind + "(" + pick + ", " + value.length + " bytes, " + condition
          + (withRequestId ? ", id" + (shortKeep ? " short" : "") : "") + ", +" + advanceMs
          + "ms)";
    }
  }

  static final long SHORT_KEEP_MS = 30;
  static final long LONG_KEEP_MS = 100;

  @Provide
  Arbitrary<List<Step>> logs() {
    Arbitrary<Kind> kinds =
        Arbitraries.frequency(
            Tuple.of(45, Kind.PUT),
            Tuple.of(25, Kind.DELETE),
            Tuple.of(15, Kind.RETRY),
            Tuple.of(5, Kind.REUSE),
            Tuple.of(10, Kind.NOOP),
            Tuple.of(5, Kind.GARBAGE));
    Arbitrary<Step> steps =
        Combinators.combine(
                kinds,
                Arbitraries.integers().between(0, 1000),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(6),
                Arbitraries.of(Condition.class),
                Arbitraries.of(true, false),
                Arbitraries.integers().between(-10, 25),
                Arbitraries.of(true, false))
            .as(Step::new);
    return steps.list().ofMaxSize(60);
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.of(KEYS);
  }

  @Provide
  Arbitrary<String> prefixes() {
    return Arbitraries.of(PREFIXES);
  }

  /** A generated log resolved into entries, with what the model expects each entry to answer. */
  static final class Scenario {
    final List<Entry> entries = new ArrayList<>();
    /** null where the entry is garbage: its answer must be INVALID. */
    final List<KvResult> expectedResults = new ArrayList<>();
    final Model model = new Model();
    private final List<KvCommand> sentWithIds = new ArrayList<>();
    /** The leader's clock; starts well after 0, which means "not stamped". */
    private long timeMs = 1_000;

    static Scenario resolve(List<Step> steps) {
      Scenario scenario = new Scenario();
      steps.forEach(scenario::add);
      return scenario;
    }

    private void add(Step step) {
      long index = entries.size() + 1;
      timeMs += step.advanceMs();
      long keep = step.shortKeep() ? SHORT_KEEP_MS : LONG_KEEP_MS;
      switch (step.kind()) {
        case NOOP -> append(Entry.noop(index, 1), KvResult.noop(model.revision));
        case GARBAGE -> append(new Entry(index, 1, "garbage " + step.pick()), null);
        case RETRY -> {
          if (sentWithIds.isEmpty()) return;
          send(sentWithIds.get(step.pick() % sentWithIds.size()), keep);
        }
        case REUSE -> {
          if (sentWithIds.isEmpty()) return;
          String id = sentWithIds.get(step.pick() % sentWithIds.size()).requestId();
          send(new Put("reused", step.value(), KvCommand.ANY_REVISION, id), keep);
        }
        case PUT, DELETE -> send(command(step), keep);
      }
    }

    private KvCommand command(Step step) {
      String key = KEYS.get(step.pick() % KEYS.size());
      long prev = prevRevision(step.condition(), key);
      String requestId = step.withRequestId() ? "req-" + (sentWithIds.size() + 1) : null;
      KvCommand command =
          step.kind() == Kind.PUT
              ? new Put(key, step.value(), prev, requestId)
              : new Delete(key, prev, requestId);
      if (requestId != null) sentWithIds.add(command);
      return command;
    }

    private long prevRevision(Condition condition, String key) {
      long current = model.modRevision(key);
      return switch (condition) {
        case ANY -> KvCommand.ANY_REVISION;
        case IF_ABSENT -> KvCommand.IF_ABSENT;
        case CURRENT -> current;
        case STALE -> Math.max(1, current - 1);
        case FUTURE -> model.revision + 1;
      };
    }

    private void send(KvCommand command, long keepMs) {
      LoggedCommand logged = LoggedCommand.stamp(command, timeMs, keepMs);
      append(new Entry(entries.size() + 1, 1, logged.encode()), model.apply(logged));
    }

    private void append(Entry entry, KvResult expected) {
      entries.add(entry);
      expectedResults.add(expected);
    }
  }

  /**
   * The obvious implementation: maps of values and counters, and request ids each with the
   * command it stood for, its first result and when it expires on the clock of the log (the
   * largest stamp so far), checked one by one at every command.
   */
  static final class Model {
    final TreeMap<String, byte[]> values = new TreeMap<>();
    final Map<String, Long> createRevisions = new HashMap<>();
    final Map<String, Long> modRevisions = new HashMap<>();
    final Map<String, Long> versions = new HashMap<>();
    long revision;
    long clockMs;
    final Map<String, KvResult> firstResults = new HashMap<>();
    final Map<String, KvCommand> commands = new HashMap<>();
    final Map<String, Long> expiries = new HashMap<>();

    KvResult apply(LoggedCommand logged) {
      KvCommand command = logged.command();
      clockMs = Math.max(clockMs, logged.timeMs());
      for (String id : List.copyOf(expiries.keySet())) {
        if (expiries.get(id) <= clockMs) {
          expiries.remove(id);
          firstResults.remove(id);
          commands.remove(id);
        }
      }
      String id = command.requestId();
      if (id != null && firstResults.containsKey(id)) {
        return commands.get(id).equals(command)
            ? firstResults.get(id)
            : KvResult.requestIdReused(revision);
      }
      KvResult result = command instanceof Put put ? put(put) : delete((Delete) command);
      if (id != null) {
        firstResults.put(id, result);
        commands.put(id, command);
        expiries.put(id, clockMs + logged.keepIdMs());
      }
      return result;
    }

    private KvResult put(Put put) {
      String key = put.key();
      if (!conditionHolds(put.prevRevision(), key)) return KvResult.compareFailed(modRevision(key));
      revision++;
      if (!values.containsKey(key)) {
        createRevisions.put(key, revision);
        versions.put(key, 0L);
      }
      values.put(key, put.value());
      modRevisions.put(key, revision);
      versions.merge(key, 1L, Long::sum);
      return KvResult.put(revision);
    }

    private KvResult delete(Delete delete) {
      String key = delete.key();
      if (!conditionHolds(delete.prevRevision(), key)) {
        return KvResult.compareFailed(modRevision(key));
      }
      if (!values.containsKey(key)) return KvResult.delete(revision, false);
      revision++;
      values.remove(key);
      createRevisions.remove(key);
      modRevisions.remove(key);
      versions.remove(key);
      return KvResult.delete(revision, true);
    }

    private boolean conditionHolds(long prevRevision, String key) {
      return prevRevision == KvCommand.ANY_REVISION || prevRevision == modRevision(key);
    }

    long modRevision(String key) {
      return modRevisions.getOrDefault(key, 0L);
    }

    java.util.Optional<KeyValue> get(String key) {
      if (!values.containsKey(key)) return java.util.Optional.empty();
      return java.util.Optional.of(
          new KeyValue(key, values.get(key), createRevisions.get(key), modRevisions.get(key),
              versions.get(key)));
    }

    List<KeyValue> keyValues() {
      return values.keySet().stream().map(key -> get(key).orElseThrow()).toList();
    }
  }

  private static void assertSameOutcome(KvResult actual, KvResult expected) {
    if (expected != null) {
      assertThat(actual).isEqualTo(expected);
    } else {
      assertThat(actual.status()).isEqualTo(KvResult.Status.INVALID);
    }
  }

  // ---- quiet logs: every garbage entry is logged, and there are thousands of them here

  private static Level levelBefore;

  @BeforeContainer
  static void silenceInvalidEntryWarnings() {
    Logger logger = (Logger) LoggerFactory.getLogger(KvStateMachine.class);
    levelBefore = logger.getLevel();
    logger.setLevel(Level.ERROR);
  }

  @AfterContainer
  static void restoreLogLevel() {
    ((Logger) LoggerFactory.getLogger(KvStateMachine.class)).setLevel(levelBefore);
  }
}
