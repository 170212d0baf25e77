package raftkv.frontend;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import raftkv.config.NodeConfig;
import raftkv.kv.EventHistory;
import raftkv.kv.KvEvent;

/**
 * Serves a node's watch streams ({@code GET /v1/watch}) from its {@link EventHistory}, on the
 * front end's loop. The node's loop appends changes as it applies entries and wakes the hub,
 * which sends each new change to the watchers it matches.
 *
 * <p>As etcd does, watchers are in one of two groups. A <b>synced</b> watcher has been sent
 * everything up to {@link #dispatched}; it sits in an index by key (or by prefix) and new
 * changes are pushed to it. A watcher <b>catching up</b> (one that starts in the past, or whose
 * connection stopped taking events) reads the history from its own position, a bounded number
 * of changes per turn, and joins the synced group once it reaches {@link #dispatched}. So a
 * watcher never costs more memory than its position and its connection's write queue, and
 * its events come in revision order, each once.
 *
 * <p>A watcher whose connection does not take events as fast as they come waits for it to drain;
 * if meanwhile the history is about to drop the changes it still needs, it is sent a {@code
 * resume} event naming its position and let go, so that it reconnects (to this node or another)
 * and misses nothing. One whose changes are already gone (the node installed a snapshot) gets
 * {@code compacted}.
 */
final class WatchHub {

  /** Changes one catching-up watcher reads per turn of the loop, so no watcher hogs it. */
  private static final int CATCH_UP_BATCH = 1024;
  /** Bytes a watcher's connection may queue before it counts as slow. */
  static final int WRITE_QUEUE_BYTES = 64 * 1024;
  /** How long a let-go watcher's connection may take to drain its last event. */
  private static final long CLOSE_GRACE_MS = 10_000;

  /** One watch stream. */
  static final class Watcher {
    final String key; // exactly this key, or null
    final String prefix; // or every key with this prefix
    final HttpServerResponse response;
    /** The next revision it may be sent. */
    long next;
    boolean synced;
    boolean draining;
    boolean closed;

    Watcher(String key, String prefix, HttpServerResponse response, long next) {
      this.key = key;
      this.prefix = prefix;
      this.response = response;
      this.next = next;
    }

    boolean matches(String changed) {
      return key != null ? key.equals(changed) : changed.startsWith(prefix);
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final EventHistory history;
  private final NodeConfig.Watch settings;
  private final String who;
  private final Set<Watcher> all = new LinkedHashSet<>();
  private final Map<String, List<Watcher>> byKey = new HashMap<>();
  private final Map<String, List<Watcher>> byPrefix = new HashMap<>();
  private final Set<Watcher> catchingUp = new LinkedHashSet<>();
  /** Watchers waiting for their connection to drain: the ones that may fall behind. */
  private final Set<Watcher> draining = new LinkedHashSet<>();
  /** Every synced watcher has been sent every change up to here that it matches. */
  private long dispatched;
  private final AtomicBoolean wakeScheduled = new AtomicBoolean();
  /**
   * Whether any stream is open, read by the node's loop: with none, new changes wake nobody (a
   * hop to this loop per batch of writes would cost every write), and the first stream to open
   * starts from the history's end.
   */
  private volatile boolean anyWatcher;
  private boolean catchUpScheduled;
  private final Runnable wake;
  private final long progressTimer;
  private boolean closing;
  private long eventsSent;
  private long slowClosed;

  WatchHub(Vertx vertx, EventHistory history, NodeConfig.Watch settings, String who) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.history = history;
    this.settings = settings;
    this.who = who;
    this.dispatched = history.last();
    // runs on the node's loop: only schedules the work here, once per batch of changes
    this.wake = () -> {
      if (anyWatcher && wakeScheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> {
          wakeScheduled.set(false);
          dispatch();
        });
      }
    };
    history.onPublished(wake);
    this.progressTimer = vertx.setPeriodic(settings.progressMs(), id -> sendProgress());
  }

  /**
   * Starts a stream at {@code fromRevision} (0: the next change), or answers why not: 410 when
   * the history no longer holds that revision, 503 when this front end serves its maximum.
   */
  void watch(io.vertx.ext.web.RoutingContext rc, String key, String prefix, long fromRevision) {
    HttpServerResponse response = rc.response();
    long oldest = history.oldest();
    long last = history.last();
    if (closing) {
      HttpAnswer.error(503, who + " is shutting down; watch another node")
          .writeTo(response);
      return;
    }
    if (all.size() >= settings.maxWatchers()) {
      HttpAnswer.error(503, who + " serves " + all.size() + " watch streams, its limit"
          + " (watch.maxWatchers); watch through another node or retry later").writeTo(response);
      return;
    }
    long from = fromRevision == 0 ? Math.max(last + 1, oldest) : fromRevision;
    if (from < oldest) {
      HttpAnswer.error(410, "revision " + from + " is no longer held by " + who + ": its oldest"
          + " is " + oldest + ". Read the keys again (GET /v1/kv?prefix=...) and watch from the"
          + " revision after the one read at, or try another node", new JsonObject()
          .put("oldestRevision", oldest).put("revision", last)).writeTo(response);
      return;
    }
    Watcher w = new Watcher(key, prefix, response, from);
    if (all.isEmpty()) {
      // nobody was woken while no stream was open: there is nothing to dispatch to anyone
      dispatched = Math.max(dispatched, last);
    }
    all.add(w);
    anyWatcher = true;
    response.setChunked(true)
        .putHeader("content-type", "text/event-stream")
        .putHeader("cache-control", "no-cache")
        .putHeader("x-accel-buffering", "no")
        .setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    // through the routing context, whose own close and exception handlers (metrics, the
    // connection guard) a handler set on the response would replace
    rc.addEndHandler(ended -> forget(w));
    response.write(": watching from revision " + from + "\n\n");
    catchUp(w);
    if (history.last() > dispatched) context.runOnContext(v -> dispatch()); // woke nobody
  }

  // ------------------------------------------------------------------ new changes

  /** Sends the changes published since the last call to the synced watchers they match. */
  private void dispatch() {
    if (closing) return;
    long last = history.last();
    if (history.oldest() > dispatched + 1) lostHistory();
    for (long revision = dispatched + 1; revision <= last; revision++) {
      KvEvent event = history.get(revision);
      if (event == null) { // dropped before this loop got to it
        lostHistory();
        revision = dispatched; // dispatched moved past the gap
        continue;
      }
      Buffer encoded = null;
      List<Watcher> keyWatchers = byKey.get(event.key());
      if (keyWatchers != null) {
        encoded = WatchEvents.change(event);
        for (Watcher w : new ArrayList<>(keyWatchers)) send(w, event, encoded);
      }
      if (!byPrefix.isEmpty()) {
        for (List<Watcher> watchers : prefixWatchersOf(event.key())) {
          if (encoded == null) encoded = WatchEvents.change(event);
          for (Watcher w : new ArrayList<>(watchers)) send(w, event, encoded);
        }
      }
      dispatched = revision;
    }
    closeTheSlowest();
  }

  /** The prefix groups that match {@code key}: by lookup of its prefixes, or by scan. */
  private List<List<Watcher>> prefixWatchersOf(String key) {
    List<List<Watcher>> found = new ArrayList<>(2);
    if (byPrefix.size() <= key.length()) {
      for (Map.Entry<String, List<Watcher>> e : byPrefix.entrySet()) {
        if (key.startsWith(e.getKey())) found.add(e.getValue());
      }
    } else {
      for (int end = 0; end <= key.length(); end++) {
        List<Watcher> watchers = byPrefix.get(key.substring(0, end));
        if (watchers != null) found.add(watchers);
      }
    }
    return found;
  }

  private void send(Watcher w, KvEvent event, Buffer encoded) {
    if (w.closed || event.revision() < w.next) return;
    w.response.write(encoded);
    w.next = event.revision() + 1;
    eventsSent++;
    if (w.response.writeQueueFull()) waitForDrain(w);
  }

  /**
   * The history restarted past what was dispatched (a snapshot from the leader): every synced
   * watcher misses changes, so each is told and let go.
   */
  private void lostHistory() {
    long oldest = history.oldest();
    for (Watcher w : new ArrayList<>(all)) {
      if (w.synced && position(w) < oldest) {
        unsync(w);
        compacted(w);
      }
    }
    dispatched = Math.max(dispatched, oldest - 1);
  }

  // ------------------------------------------------------------------ catching up

  private void catchUp(Watcher w) {
    unsync(w);
    catchingUp.add(w);
    scheduleCatchUp();
  }

  private void scheduleCatchUp() {
    if (catchUpScheduled) return;
    catchUpScheduled = true;
    context.runOnContext(v -> {
      catchUpScheduled = false;
      catchUpTurn();
    });
  }

  /** Each watcher catching up reads at most {@link #CATCH_UP_BATCH} changes from the history. */
  private void catchUpTurn() {
    for (Watcher w : new ArrayList<>(catchingUp)) {
      if (w.closed) {
        catchingUp.remove(w);
        continue;
      }
      if (w.next < history.oldest() && w.next <= dispatched) {
        compacted(w);
        continue;
      }
      int budget = CATCH_UP_BATCH;
      while (w.next <= dispatched && budget-- > 0) {
        KvEvent event = history.get(w.next);
        if (event == null) {
          compacted(w);
          break;
        }
        if (w.matches(event.key())) {
          w.response.write(WatchEvents.change(event));
          eventsSent++;
        }
        w.next++;
        if (w.response.writeQueueFull()) {
          waitForDrain(w);
          break;
        }
      }
      if (!w.closed && !w.draining && w.next > dispatched) sync(w);
    }
    if (!catchingUp.isEmpty()) scheduleCatchUp();
  }

  /** {@code w} has everything up to {@link #dispatched}: new changes are pushed to it. */
  private void sync(Watcher w) {
    catchingUp.remove(w);
    w.synced = true;
    groupOf(w).computeIfAbsent(w.key != null ? w.key : w.prefix, k -> new ArrayList<>()).add(w);
    w.response.write(WatchEvents.progress(position(w) - 1));
  }

  /** The next revision {@code w} needs: a synced one has had everything dispatched. */
  private long position(Watcher w) {
    return w.synced ? Math.max(w.next, dispatched + 1) : w.next;
  }

  private void unsync(Watcher w) {
    if (!w.synced) return;
    w.next = position(w);
    w.synced = false;
    Map<String, List<Watcher>> group = groupOf(w);
    String name = w.key != null ? w.key : w.prefix;
    List<Watcher> watchers = group.get(name);
    if (watchers != null) {
      watchers.remove(w);
      if (watchers.isEmpty()) group.remove(name);
    }
  }

  private Map<String, List<Watcher>> groupOf(Watcher w) {
    return w.key != null ? byKey : byPrefix;
  }

  /** Its connection is full: it catches up from the history once the connection drains. */
  private void waitForDrain(Watcher w) {
    unsync(w);
    catchingUp.remove(w);
    w.draining = true;
    draining.add(w);
    w.response.drainHandler(v -> {
      w.draining = false;
      draining.remove(w);
      if (!w.closed) catchUp(w);
    });
  }

  /**
   * A watcher waiting for its connection whose position is in the oldest eighth of the history
   * is about to miss changes: it is let go now, while it can still resume where it is.
   */
  private void closeTheSlowest() {
    long oldest = history.oldest();
    long margin = Math.max(1, (history.last() - oldest + 1) / 8);
    if (draining.isEmpty()) return;
    for (Watcher w : new ArrayList<>(draining)) {
      if (!w.draining || w.closed) continue;
      if (w.next < oldest) {
        compacted(w);
      } else if (w.next < oldest + margin) {
        slowClosed++;
        end(w, WatchEvents.resume(w.next, "slow", "this stream fell behind: its connection did not take"
            + " changes as fast as they came, and " + who + " is about to drop the ones it still"
            + " needs. Reconnect with fromRevision=" + w.next + " (any node) to go on"));
      }
    }
  }

  private void compacted(Watcher w) {
    end(w, WatchEvents.compacted(history.oldest(), history.last(), who + " no longer holds"
        + " revision " + w.next + ", which this stream needs next (its history starts at "
        + history.oldest() + "). Read the keys again and watch from the revision read at, or"
        + " resume on another node"));
  }

  // ------------------------------------------------------------------ progress and ending

  /** Tells every synced watcher how far its stream is complete (also keeps proxies from idling). */
  private void sendProgress() {
    dispatch(); // a change published just as the first stream opened woke nobody
    for (List<Watcher> group : List.of(flatten(byKey), flatten(byPrefix))) {
      for (Watcher w : group) {
        if (w.closed) continue;
        w.response.write(WatchEvents.progress(position(w) - 1));
        if (w.response.writeQueueFull()) waitForDrain(w);
      }
    }
  }

  private static List<Watcher> flatten(Map<String, List<Watcher>> group) {
    List<Watcher> out = new ArrayList<>();
    for (List<Watcher> watchers : group.values()) out.addAll(watchers);
    return out;
  }

  /** Writes {@code last} and ends the stream; a connection that takes nothing is cut later. */
  private void end(Watcher w, Buffer last) {
    if (w.closed) return;
    forget(w);
    w.response.write(last);
    w.response.end();
    if (!w.response.closed()) {
      vertx.setTimer(CLOSE_GRACE_MS, id -> {
        if (!w.response.closed()) w.response.reset();
      });
    }
  }

  private void forget(Watcher w) {
    if (w.closed) return;
    w.closed = true;
    unsync(w);
    catchingUp.remove(w);
    draining.remove(w);
    all.remove(w);
    anyWatcher = !all.isEmpty();
  }

  /** How many streams are open (for metrics and status). */
  int watchers() {
    return all.size();
  }

  long eventsSent() {
    return eventsSent;
  }

  long slowClosed() {
    return slowClosed;
  }

  /** Ends every stream with where to resume, and stops listening to the history. */
  void close() {
    if (closing) return;
    closing = true;
    history.removeListener(wake);
    vertx.cancelTimer(progressTimer);
    for (Watcher w : new ArrayList<>(all)) {
      end(w, WatchEvents.resume(position(w), "shutdown",
          who + " is shutting down; reconnect to another node with this fromRevision"));
    }
  }
}
