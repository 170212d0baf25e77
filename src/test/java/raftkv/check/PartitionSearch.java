package raftkv.check;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether the operations of one partition are linearizable, by Lowe's refinement of the
 * Wing &amp; Gong search (the algorithm of Porcupine's {@code checkSingle} and Knossos's WGL).
 *
 * <p>The operations become a doubly linked list of call and return events in time order. The
 * search walks that list from its head. At a call it tries to make the operation take effect
 * now: if the model accepts it, the operation's call and return are lifted out of the list and
 * the walk starts again from the head. Reaching a return means that operation returned before it
 * could take effect, so the order chosen so far cannot be extended: the search undoes the latest
 * choice (puts its events back) and tries the call after it. A set of explored configurations
 * (which operations have taken effect, and the state they led to) prunes the search, since from
 * equal configurations the rest of the search is the same.
 *
 * <p>An operation whose outcome is unknown has no return event: it may take effect any time after
 * its call, or never. So the search succeeds as soon as every operation with a known return has
 * taken effect, whatever is left of the others.
 *
 * <p>One instance runs one search; it is not thread-safe.
 */
final class PartitionSearch<S, I, O> {

  /** Reading the clock costs more than a search step, so it is read every this many steps. */
  private static final int STEPS_BETWEEN_CLOCK_READS = 1024;

  private final Model<S, I, O> model;
  private final long deadlineNanos;

  private final EventList<I, O> events;
  private final BitSet linearized;
  private final Set<Configuration<S>> explored = new HashSet<>();
  private final Deque<Choice<S, I, O>> choices = new ArrayDeque<>();
  private S state;
  private Event<I, O> cursor;
  private int knownOutcomesLeft;
  private long steps;

  private Violation<S, I, O> deepestFailure;

  PartitionSearch(Model<S, I, O> model, List<Operation<I, O>> operations, long deadlineNanos) {
    this.model = model;
    this.deadlineNanos = deadlineNanos;
    this.events = EventList.of(operations);
    this.linearized = new BitSet(operations.size());
    this.knownOutcomesLeft = (int) operations.stream().filter(Operation::outcomeKnown).count();
  }

  /** Runs the search: OK, ILLEGAL (then see {@link #violation()}) or UNKNOWN if out of time. */
  Verdict run() {
    state = model.init();
    cursor = events.first();
    while (knownOutcomesLeft > 0) {
      if (outOfTime()) {
        return Verdict.UNKNOWN;
      }
      if (cursor.isCall) {
        tryToTakeEffectNow(cursor);
      } else if (!backtrack()) {
        return Verdict.ILLEGAL;
      }
    }
    return Verdict.OK;
  }

  /** Why the partition is not linearizable; only after {@link #run()} returned ILLEGAL. */
  Violation<S, I, O> violation() {
    if (deepestFailure == null) {
      throw new IllegalStateException("the search found no violation");
    }
    return deepestFailure;
  }

  /**
   * Lets the operation of {@code call} take effect in the current state, if the model accepts it
   * and that leads to a configuration not explored yet; otherwise moves on to the next event.
   */
  private void tryToTakeEffectNow(Event<I, O> call) {
    Operation<I, O> op = call.operation;
    O output = op.outcomeKnown() ? op.output() : null;
    Optional<S> next = model.step(state, op.input(), output);
    if (next.isPresent() && explored.add(configurationWith(call.index, next.get()))) {
      choices.push(new Choice<>(call, state));
      state = next.get();
      linearized.set(call.index);
      if (op.outcomeKnown()) {
        knownOutcomesLeft--;
      }
      events.lift(call);
      cursor = events.first();
    } else {
      cursor = call.next;
    }
  }

  /**
   * The cursor is at a return: that operation returned before it took effect, so undo the latest
   * choice and try the call after it. Returns false when there is no choice left to undo.
   */
  private boolean backtrack() {
    rememberIfDeepest();
    if (choices.isEmpty()) {
      return false;
    }
    Choice<S, I, O> latest = choices.pop();
    Event<I, O> call = latest.call();
    state = latest.stateBefore();
    linearized.clear(call.index);
    if (call.operation.outcomeKnown()) {
      knownOutcomesLeft++;
    }
    events.unlift(call);
    // The call was ahead of the return at the cursor when it was chosen, so it has a successor.
    cursor = call.next;
    return true;
  }

  private Configuration<S> configurationWith(int index, S stateAfter) {
    BitSet done = (BitSet) linearized.clone();
    done.set(index);
    return new Configuration<>(done, stateAfter);
  }

  private boolean outOfTime() {
    return ++steps % STEPS_BETWEEN_CLOCK_READS == 0 && System.nanoTime() - deadlineNanos > 0;
  }

  /** Keeps the longest order found before a dead end: it is what a person debugging wants. */
  private void rememberIfDeepest() {
    if (deepestFailure != null && choices.size() <= deepestFailure.longestPrefix().size()) {
      return;
    }
    List<Choice<S, I, O>> oldestFirst = new ArrayList<>(choices);
    Collections.reverse(oldestFirst);
    List<Violation.Step<S, I, O>> prefix = new ArrayList<>(oldestFirst.size());
    for (int i = 0; i < oldestFirst.size(); i++) {
      // Each choice holds the state before it; the state after it is the next one's, or the
      // current state for the latest.
      S after = i + 1 < oldestFirst.size() ? oldestFirst.get(i + 1).stateBefore() : state;
      prefix.add(new Violation.Step<>(oldestFirst.get(i).call().operation, after));
    }
    deepestFailure = new Violation<>(prefix, state, cursor.operation, candidatesBeforeCursor());
  }

  /** The operations whose calls precede the cursor: those that could have taken effect next. */
  private List<Operation<I, O>> candidatesBeforeCursor() {
    List<Operation<I, O>> candidates = new ArrayList<>();
    for (Event<I, O> e = events.first(); e != cursor; e = e.next) {
      if (e.index != cursor.index) {
        candidates.add(e.operation);
      }
    }
    return candidates;
  }

  /** Which operations have taken effect, and the state they led to. */
  private record Configuration<S>(BitSet linearized, S state) {}

  /** An operation chosen to take effect, with the state before it (to undo the choice). */
  private record Choice<S, I, O>(Event<I, O> call, S stateBefore) {}

  /** The call or the return of an operation, as a node of the {@link EventList}. */
  private static final class Event<I, O> {
    final int index;
    final Operation<I, O> operation;
    final boolean isCall;
    final long time;
    /** For a call, its return; null for a return, and for a call whose outcome is unknown. */
    Event<I, O> returnEvent;
    Event<I, O> prev;
    Event<I, O> next;

    private Event(int index, Operation<I, O> operation, boolean isCall, long time) {
      this.index = index;
      this.operation = operation;
      this.isCall = isCall;
      this.time = time;
    }

    static <I, O> Event<I, O> callOf(int index, Operation<I, O> operation) {
      return new Event<>(index, operation, true, operation.callTime());
    }

    static <I, O> Event<I, O> returnOf(int index, Operation<I, O> operation) {
      return new Event<>(index, operation, false, operation.returnTime());
    }

    /** The list's head, which belongs to no operation. */
    static <I, O> Event<I, O> sentinel() {
      return new Event<>(-1, null, false, Long.MIN_VALUE);
    }
  }

  /**
   * The events of the operations not yet taken effect, in time order, behind a sentinel head.
   * Lifting an operation unlinks its events; unlifting relinks them in place, which is possible
   * because a lifted event keeps its own links and undos come in reverse order of lifts.
   */
  private static final class EventList<I, O> {

    /**
     * Time order. At equal times calls come before returns: operations whose intervals merely
     * touch are then concurrent. The clock could not tell which came first, so the checker must
     * not assume an order (this is Porcupine's choice too); it can only miss a violation that
     * hinges on the order of two events with the same timestamp, never report a false one.
     */
    private static final Comparator<Event<?, ?>> IN_TIME_ORDER =
        Comparator.<Event<?, ?>>comparingLong(e -> e.time).thenComparing(e -> !e.isCall);

    private final Event<I, O> head = Event.sentinel();

    static <I, O> EventList<I, O> of(List<Operation<I, O>> operations) {
      List<Event<I, O>> events = new ArrayList<>(2 * operations.size());
      for (int i = 0; i < operations.size(); i++) {
        Operation<I, O> op = operations.get(i);
        Event<I, O> call = Event.callOf(i, op);
        events.add(call);
        if (op.outcomeKnown()) {
          call.returnEvent = Event.returnOf(i, op);
          events.add(call.returnEvent);
        }
      }
      events.sort(IN_TIME_ORDER);
      EventList<I, O> list = new EventList<>();
      Event<I, O> last = list.head;
      for (Event<I, O> e : events) {
        last.next = e;
        e.prev = last;
        last = e;
      }
      return list;
    }

    Event<I, O> first() {
      return head.next;
    }

    void lift(Event<I, O> call) {
      unlink(call);
      if (call.returnEvent != null) {
        unlink(call.returnEvent);
      }
    }

    void unlift(Event<I, O> call) {
      if (call.returnEvent != null) {
        relink(call.returnEvent);
      }
      relink(call);
    }

    private void unlink(Event<I, O> e) {
      e.prev.next = e.next;
      if (e.next != null) {
        e.next.prev = e.prev;
      }
    }

    private void relink(Event<I, O> e) {
      e.prev.next = e;
      if (e.next != null) {
        e.next.prev = e;
      }
    }
  }
}
