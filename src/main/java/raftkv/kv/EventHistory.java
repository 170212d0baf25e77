package raftkv.kv;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The latest changes to the store, by revision, for watchers: the node's loop appends each change
 * as it is applied, and front ends on other loops read them. A change is dropped once the history
 * holds more than {@code maxRevisions} changes, more than about {@code maxBytes} of keys and
 * values, or changes older than {@code maxAgeMs}.
 *
 * <p>One writer, many readers, no locks: the changes live in a ring indexed by revision, and two
 * volatile counters say which revisions can be read ({@link #oldest()} to {@link #last()}); the
 * readers are woken once per batch ({@link #publish}). A
 * reader that asks for a revision the writer has meanwhile dropped or overwritten gets null,
 * never another revision's change: each slot's change carries its own revision.
 *
 * <p>The history starts empty at the store's revision when the node starts (changes before its
 * snapshot are not replayed) and starts again when it installs a snapshot from the leader ({@link
 * #restartAt}): the changes between are unknown here.
 */
public final class EventHistory {

  private final AtomicReferenceArray<KvEvent> ring;
  /** When each held change was appended (writer only), for the age limit. */
  private final long[] appendedAtMs;
  private final int maxRevisions;
  private final long maxBytes;
  private final long maxAgeMs;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** The oldest revision that may be read. */
  private volatile long oldest = 1;
  /** The newest revision that may be read (published); oldest - 1 when empty. */
  private volatile long last = 0;

  // writer only
  private long appended;
  /** The newest revision the listeners were told of. */
  private long announced;
  private long bytes;

  public EventHistory(int maxRevisions, long maxBytes, long maxAgeMs) {
    if (maxRevisions < 1 || maxBytes < 1 || maxAgeMs < 1) {
      throw new IllegalArgumentException("history limits must be >= 1");
    }
    this.maxRevisions = maxRevisions;
    this.maxBytes = maxBytes;
    this.maxAgeMs = maxAgeMs;
    this.ring = new AtomicReferenceArray<>(maxRevisions);
    this.appendedAtMs = new long[maxRevisions];
  }

  // ------------------------------------------------------------------ the writer

  /** Empties the history: the next change to be appended has revision {@code revision + 1}. */
  public void restartAt(long revision) {
    long from = oldest;
    long to = appended;
    // the bounds first, so that no reader waits on the clearing (what it reads meanwhile is a
    // change of the same log, true of its revision)
    last = revision;
    oldest = revision + 1;
    for (long r = from; r <= to; r++) ring.set(slot(r), null);
    appended = revision;
    bytes = 0;
    notifyListeners();
  }

  /**
   * Adds the next change, readable at once (so that the history never drops a change readers
   * could not yet see, and {@link #oldest()} is never past {@link #last()} + 1). A change that
   * does not follow the last one (which the store never makes) restarts the history at it.
   */
  public void append(KvEvent event, long nowMs) {
    if (event.revision() != appended + 1) restartAt(event.revision() - 1);
    long revision = event.revision();
    if (revision - oldest + 1 > maxRevisions) drop(); // its slot is the oldest's
    ring.set(slot(revision), event);
    appendedAtMs[slot(revision)] = nowMs;
    bytes += event.sizeBytes();
    appended = revision;
    last = revision;
    while (bytes > maxBytes && oldest < appended) drop();
  }

  /**
   * Drops the changes past the age limit, and tells the listeners when there is something new
   * since the last call. Call once per batch of appends (a turn of the loop): one wake-up per
   * batch, not per change.
   */
  public void publish(long nowMs) {
    while (oldest <= appended && nowMs - appendedAtMs[slot(oldest)] > maxAgeMs) drop();
    if (appended != announced) {
      announced = appended;
      notifyListeners();
    }
  }

  private void drop() {
    KvEvent gone = ring.get(slot(oldest));
    if (gone != null) bytes -= gone.sizeBytes();
    oldest = oldest + 1; // first, so that a reader checking it after its read sees the drop
    ring.set(slot(oldest - 1), null);
  }

  private void notifyListeners() {
    for (Runnable listener : listeners) listener.run();
  }

  // ------------------------------------------------------------------ readers

  /**
   * Runs {@code listener} on the writer's thread whenever new changes can be read or the history
   * restarts. It must be quick (typically: schedule a read on the reader's own loop).
   */
  public void onPublished(Runnable listener) {
    listeners.add(listener);
  }

  public void removeListener(Runnable listener) {
    listeners.remove(listener);
  }

  /** The oldest revision still held; {@link #last()} + 1 when none is. */
  public long oldest() {
    return oldest;
  }

  /** The newest revision readable: the store's revision as far as readers know. */
  public long last() {
    return last;
  }

  /** The change of {@code revision}, or null if it is not (or no longer) held. */
  public KvEvent get(long revision) {
    if (revision < oldest || revision > last) return null;
    KvEvent event = ring.get(slot(revision));
    if (event == null || event.revision() != revision || revision < oldest) return null;
    return event;
  }

  /** How many changes are held (for status pages and tests). */
  public long size() {
    return Math.max(0, last - oldest + 1);
  }

  private int slot(long revision) {
    return (int) (revision % maxRevisions);
  }
}
