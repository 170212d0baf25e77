package raftkv.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Histories made by clients of a real sequential key-value map: each operation takes effect at
 * one instant strictly between its call and its return, so every such history is linearizable.
 * Corrupting one read makes it not.
 */
class SimulatedHistoriesProperties {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String NEVER_WRITTEN = "never written";

  @Property(tries = 300)
  void historiesOfARealMapAreLinearizable(
      @ForAll Random random,
      @ForAll @IntRange(min = 1, max = 6) int clients,
      @ForAll @IntRange(min = 0, max = 60) int operations) {
    List<Operation<KvInput, KvOutput>> history =
        new SimulatedClients(random, clients).run(operations);

    CheckResult result = LinearizabilityChecker.check(new KvModel(), history, TIMEOUT);

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.OK);
  }

  @Property(tries = 300)
  void aReadOfAValueNeverWrittenMakesThemIllegal(
      @ForAll Random random,
      @ForAll @IntRange(min = 1, max = 6) int clients,
      @ForAll @IntRange(min = 1, max = 60) int operations) {
    List<Operation<KvInput, KvOutput>> history =
        new SimulatedClients(random, clients).run(operations);
    List<Integer> reads = completedReads(history);
    Assume.that(!reads.isEmpty());

    int corrupted = reads.get(random.nextInt(reads.size()));
    Operation<KvInput, KvOutput> read = history.get(corrupted);
    history.set(corrupted, read.withOutput(KvOutput.read(NEVER_WRITTEN)));
    CheckResult result = LinearizabilityChecker.check(new KvModel(), history, TIMEOUT);

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.ILLEGAL);
    assertThat(result.explanation()).contains("key \"" + read.input().key() + "\"");
  }

  private static List<Integer> completedReads(List<Operation<KvInput, KvOutput>> history) {
    List<Integer> reads = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      Operation<KvInput, KvOutput> op = history.get(i);
      if (op.input() instanceof KvInput.Get && op.outcomeKnown()) {
        reads.add(i);
      }
    }
    return reads;
  }

  /**
   * Clients taking turns at random on one logical clock. A client calls an operation, later the
   * operation takes effect on the map, later still its answer returns; every step is one tick, so
   * the instant of effect lies strictly inside the operation's interval. Now and then a client
   * crashes before the answer comes back (the operation may or may not have taken effect); it is
   * then replaced by a client with a new id, as Jepsen does.
   */
  private static final class SimulatedClients {

    private static final List<String> KEYS = List.of("a", "b", "c");
    private static final double CRASH_CHANCE = 0.05;

    private final Random random;
    private final Map<String, String> map = new HashMap<>();
    private final List<String> written = new ArrayList<>();
    private final List<Operation<KvInput, KvOutput>> history = new ArrayList<>();
    private final InFlight[] inFlight;
    private final int[] clientIds;
    private int nextClientId;
    private long clock;

    /** An operation called and not yet returned; {@code output} is set once it took effect. */
    private static final class InFlight {
      final KvInput input;
      final long callTime;
      KvOutput output;

      InFlight(KvInput input, long callTime) {
        this.input = input;
        this.callTime = callTime;
      }
    }

    SimulatedClients(Random random, int clients) {
      this.random = random;
      this.inFlight = new InFlight[clients];
      this.clientIds = new int[clients];
      for (int slot = 0; slot < clients; slot++) {
        clientIds[slot] = nextClientId++;
      }
    }

    List<Operation<KvInput, KvOutput>> run(int operations) {
      int called = 0;
      while (called < operations || anyInFlight()) {
        int slot = random.nextInt(inFlight.length);
        clock++;
        if (inFlight[slot] == null) {
          if (called < operations) {
            inFlight[slot] = new InFlight(randomInput(), clock);
            called++;
          }
        } else if (random.nextDouble() < CRASH_CHANCE) {
          crash(slot);
        } else if (inFlight[slot].output == null) {
          inFlight[slot].output = apply(inFlight[slot].input);
        } else {
          complete(slot);
        }
      }
      return history;
    }

    private boolean anyInFlight() {
      for (InFlight op : inFlight) {
        if (op != null) {
          return true;
        }
      }
      return false;
    }

    private void complete(int slot) {
      InFlight op = inFlight[slot];
      history.add(Operation.completed(clientIds[slot], op.input, op.output, op.callTime, clock));
      inFlight[slot] = null;
    }

    /** The answer is lost, whether or not the operation took effect. */
    private void crash(int slot) {
      InFlight op = inFlight[slot];
      history.add(Operation.pending(clientIds[slot], op.input, op.callTime));
      inFlight[slot] = null;
      clientIds[slot] = nextClientId++;
    }

    private KvOutput apply(KvInput input) {
      String key = input.key();
      String current = map.get(key);
      if (input instanceof KvInput.Put put) {
        map.put(key, put.value());
        return KvOutput.OK;
      }
      if (input instanceof KvInput.Delete) {
        map.remove(key);
        return KvOutput.OK;
      }
      if (input instanceof KvInput.Get) {
        return KvOutput.read(current);
      }
      KvInput.Cas cas = (KvInput.Cas) input;
      boolean swap = Objects.equals(current, cas.expected());
      if (swap) {
        map.put(key, cas.value());
      }
      return KvOutput.swapped(swap);
    }

    private KvInput randomInput() {
      String key = KEYS.get(random.nextInt(KEYS.size()));
      int choice = random.nextInt(20);
      if (choice < 7) {
        return new KvInput.Get(key);
      }
      if (choice < 13) {
        return new KvInput.Put(key, newValue());
      }
      if (choice < 15) {
        return new KvInput.Delete(key);
      }
      return new KvInput.Cas(key, plausibleExpectedValue(key), newValue());
    }

    /** Values are unique, so a read tells which write it saw. */
    private String newValue() {
      String value = "v" + written.size();
      written.add(value);
      return value;
    }

    /** Often the current value, so that swaps happen; else absent or any value written. */
    private String plausibleExpectedValue(String key) {
      int choice = random.nextInt(3);
      if (choice == 0 || written.isEmpty()) {
        return map.get(key);
      }
      return choice == 1 ? null : written.get(random.nextInt(written.size()));
    }
  }
}
