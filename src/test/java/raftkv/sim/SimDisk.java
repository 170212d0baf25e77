package raftkv.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import raftkv.raft.Entry;
import raftkv.raft.HardState;

/**
 * A node's disk: what is synced survives a crash; writes still in flight may survive in part,
 * in order (the page cache flushed some of them), down to a torn batch of which only a prefix of
 * entries made it. It never keeps anything that was not written.
 */
final class SimDisk {

  private record Write(HardState hardState, List<Entry> entries) {}

  private HardState hardState = HardState.EMPTY;
  private final ArrayList<Entry> log = new ArrayList<>();
  private final ArrayDeque<Write> inFlight = new ArrayDeque<>();

  HardState hardState() {
    return hardState;
  }

  List<Entry> log() {
    return List.copyOf(log);
  }

  void startWrite(HardState hs, List<Entry> entries) {
    inFlight.add(new Write(hs, entries));
  }

  /** The oldest write in flight reaches the platter. */
  void completeOldest() {
    Write w = inFlight.poll();
    if (w.hardState() != null) hardState = w.hardState();
    store(w.entries());
  }

  /** Power loss: keep a random in-order prefix of the writes in flight, then forget the rest. */
  void crash(SplittableRandom random, double keepProbability) {
    while (!inFlight.isEmpty()) {
      Write w = inFlight.poll();
      if (random.nextDouble() < keepProbability) {
        if (w.hardState() != null) hardState = w.hardState();
        store(w.entries());
        continue;
      }
      // torn: some of this batch's entries made it; its hard state (a separate file) may have
      if (w.hardState() != null && random.nextBoolean()) hardState = w.hardState();
      store(w.entries().subList(0, random.nextInt(w.entries().size() + 1)));
      break;
    }
    inFlight.clear();
  }

  private void store(List<Entry> entries) {
    if (entries.isEmpty()) return;
    long first = entries.get(0).index();
    if (first > log.size() + 1) throw new IllegalStateException("gap in simulated log at " + first);
    log.subList((int) first - 1, log.size()).clear();
    log.addAll(entries);
  }
}
