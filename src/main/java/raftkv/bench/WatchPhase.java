package raftkv.bench;

import static raftkv.bench.WatchBench.f;
import static raftkv.bench.WatchBench.maxMs;
import static raftkv.bench.WatchBench.ms;
import static raftkv.bench.WatchBench.perSecond;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The watch phase of {@link WatchBench}: open the watchers, wait until every one is registered
 * (its first progress event), run the writers for warm-up plus duration, let the last events
 * arrive, and report. Blocking: runs on the command's thread, the work on the event loops.
 */
final class WatchPhase {

  /** After the writers stop, how long events may keep arriving at most. */
  private static final long DRAIN_MAX_NANOS = 15_000_000_000L;
  /** ... and how long with no new event before the rest are taken as lost. */
  private static final long DRAIN_QUIET_NANOS = 3_000_000_000L;

  private final WatchBench options;
  private final Vertx vertx;
  private final Endpoint watchAt;
  private final Endpoint writeTo;
  private final WatchStats stats;
  private final int loops;
  private final PrintStream progress = System.err;
  private final PrintStream out = System.out;
  private long lastProgressNanos;
  private long lastWrites;
  private long lastEvents;

  WatchPhase(WatchBench options, Vertx vertx, Endpoint watchAt, Endpoint writeTo) {
    this.options = options;
    this.vertx = vertx;
    this.watchAt = watchAt;
    this.writeTo = writeTo;
    this.stats = new WatchStats(options.keys);
    this.loops = options.eventLoops;
  }

  int run() {
    progress.println(f("watch-bench%s: %d watchers on %d keys at %s, %d writers to %s, %d "
            + "event loops", options.labelPart(), options.watchers, options.keys, watchAt.url(),
        options.clients, writeTo.url(), loops));
    if (options.watchers > 0 && !openWatchers()) return 1;
    // what each key's writes are expected to reach: the watchers registered by now
    List<WriterVerticle> writers = deployWriters(stats.readyByKey());
    long start = System.nanoTime();
    long measureStart = start + options.warmup.toNanos();
    long end = measureStart + options.duration.toNanos();
    stats.measureBetween(measureStart, end);
    CpuWindow cpu = new CpuWindow(options.serverPid, options.clockTicks);
    List<Future<Void>> done = new ArrayList<>();
    for (WriterVerticle writer : writers) done.add(writer.run(end));
    lastProgressNanos = start;
    WatchBench.follow(Future.all(done), start, measureStart, end, cpu,
        () -> printProgress(start, measureStart));
    drain();
    report(cpu);
    return 0;
  }

  /** Opens every watcher; false when none could be opened. */
  private boolean openWatchers() {
    List<WatcherVerticle> verticles = new ArrayList<>();
    for (int l = 0; l < Math.min(loops, options.watchers); l++) {
      int[] keyOfWatcher = new int[WatchBench.dealt(options.watchers, l, loops)];
      // watcher i runs on loop i % loops and watches key i % keys
      for (int j = 0; j < keyOfWatcher.length; j++) {
        keyOfWatcher[j] = (j * loops + l) % options.keys;
      }
      int maxOpening = Math.max(1, WatchBench.dealt(options.maxOpening, l, loops));
      WatcherVerticle verticle = new WatcherVerticle(
          new WatcherVerticle.Setup(watchAt, keyOfWatcher, maxOpening, stats));
      vertx.deployVerticle(verticle).await();
      verticles.add(verticle);
    }
    for (WatcherVerticle verticle : verticles) verticle.openAll();
    waitForWatchers();
    long ready = stats.watchersReady.sum();
    if (ready == 0) {
      progress.println("watch-bench: no watcher could be opened: "
          + stats.openFailures.counts() + " " + stats.openFailures.examples());
    }
    return ready > 0;
  }

  private void waitForWatchers() {
    long started = System.nanoTime();
    long deadline = started + options.openTimeout.toNanos();
    long nextLine = started + 1_000_000_000L;
    while (true) {
      WatchBench.pause(WatchBench.POLL_MS);
      long ready = stats.watchersReady.sum();
      long failed = stats.openFailures.total();
      long now = System.nanoTime();
      boolean all = ready + failed >= options.watchers;
      if (all || now - nextLine >= 0) {
        progress.println(f("[%6.1fs] watchers open: %d/%d%s", (now - started) / 1e9, ready,
            options.watchers, failed > 0 ? f(", %d failed (!)", failed) : ""));
        nextLine += 1_000_000_000L;
      }
      if (all) return;
      if (now - deadline >= 0) {
        progress.println(f("watch-bench: %d of %d watchers still not open after %s; going on "
            + "without them", options.watchers - ready - failed, options.watchers,
            options.openTimeout));
        return;
      }
    }
  }

  private List<WriterVerticle> deployWriters(int[] watchersOfKey) {
    List<WriterVerticle> writers = new ArrayList<>();
    int n = Math.min(loops, options.clients);
    for (int l = 0; l < n; l++) {
      WriterVerticle writer = new WriterVerticle(new WriterVerticle.Setup(writeTo,
          WatchBench.dealt(options.clients, l, n), watchersOfKey, stats, options.timeoutMs));
      vertx.deployVerticle(writer).await();
      writers.add(writer);
    }
    return writers;
  }

  private void printProgress(long start, long measureStart) {
    long now = System.nanoTime();
    double seconds = Math.max(1e-9, (now - lastProgressNanos) / 1e9);
    long writes = stats.writesOk.sum();
    long events = stats.eventsReceived.sum();
    boolean warm = now - measureStart < 0;
    String latency = warm ? "" : f("  delivery p99 %.2f ms (so far)", ms(stats.deliveries(), 99));
    progress.println(f("[%6.1fs] %swrites %,.0f/s  events %,.0f/s%s  write errors %d  "
            + "disconnected %d", (now - start) / 1e9, warm ? "warm-up " : "",
        (writes - lastWrites) / seconds, (events - lastEvents) / seconds, latency,
        stats.writeErrors.total(), stats.disconnected()));
    lastProgressNanos = now;
    lastWrites = writes;
    lastEvents = events;
  }

  /** Waits for the events of the last writes, until all expected came or none comes for a while. */
  private void drain() {
    long start = System.nanoTime();
    long lastChange = start;
    long last = -1;
    while (true) {
      long now = System.nanoTime();
      long received = stats.eventsReceived.sum();
      if (received >= stats.eventsExpected.sum()) return;
      if (received != last) {
        last = received;
        lastChange = now;
      }
      if (now - lastChange > DRAIN_QUIET_NANOS || now - start > DRAIN_MAX_NANOS) return;
      WatchBench.pause(WatchBench.POLL_MS);
    }
  }

  private void report(CpuWindow cpu) {
    double seconds = options.duration.toNanos() / 1e9;
    Histogram writes = stats.writes();
    Histogram deliveries = stats.deliveries();
    long writesMeasured = stats.writesMeasured.sum();
    long eventsMeasured = stats.eventsMeasured.sum();
    long expected = stats.eventsExpected.sum();
    long received = stats.eventsReceived.sum();
    long ready = stats.watchersReady.sum();
    out.println(f("watch-bench%s: %d watchers on %d keys at %s; %d writers to %s; %.1f s "
            + "measured after %.1f s of warm-up", options.labelPart(), options.watchers,
        options.keys, watchAt.url(), options.clients, writeTo.url(), seconds,
        options.warmup.toNanos() / 1e9));
    out.println(f("watchers  open %d of %d, failed to open %d, disconnected %d (stream ended "
            + "%d, resume %d, compacted %d)", ready, options.watchers,
        stats.openFailures.total(), stats.disconnected(), stats.streamsEnded.sum(),
        stats.resumeEvents.sum(), stats.compactedEvents.sum()));
    out.println(f("writes    %,.1f ok/s (%d measured), latency p50 %.2f ms, p99 %.2f ms; "
            + "errors %d", perSecond(writesMeasured, seconds), writesMeasured, ms(writes, 50),
        ms(writes, 99), stats.writeErrors.total()));
    out.println(f("events    %,.1f delivered/s (%d in the period), delivery latency p50 %.2f ms, "
            + "p90 %.2f ms, p99 %.2f ms, max %.2f ms", perSecond(eventsMeasured, seconds),
        eventsMeasured, ms(deliveries, 50), ms(deliveries, 90), ms(deliveries, 99),
        maxMs(deliveries)));
    out.println(f("          expected %d, received %d, missing %d (whole run; untimed %d)",
        expected, received, expected - received, stats.eventsUntimed.sum()));
    printCpu(cpu, eventsMeasured + writesMeasured);
    WatchBench.printErrors(out, "write errors", stats.writeErrors);
    WatchBench.printErrors(out, "watchers that failed to open", stats.openFailures);
    out.println(resultLine(cpu, seconds, writes, deliveries));
  }

  private void printCpu(CpuWindow cpu, long operations) {
    if (cpu.serverPid() != null) {
      out.println(f("server    pid %d: %.0f ms CPU (%.0f%% of a core), %.1f us per write or "
              + "delivered event", cpu.serverPid(), cpu.serverMs(), cpu.serverPercent(),
          cpu.serverMs() * 1000 / Math.max(1, operations)));
    }
    out.println(f("client    %.0f ms CPU (%.0f%% of a core, of %d cores)", cpu.clientMs(),
        cpu.clientPercent(), Runtime.getRuntime().availableProcessors()));
  }

  private String resultLine(CpuWindow cpu, double seconds, Histogram writes,
      Histogram deliveries) {
    long expected = stats.eventsExpected.sum();
    long received = stats.eventsReceived.sum();
    return new ResultLine()
        .add("phase", options.watchers == 0 ? "writes" : "watch")
        .add("label", options.label)
        .add("watchers", options.watchers)
        .add("watchers_open", stats.watchersReady.sum())
        .add("open_failed", stats.openFailures.total())
        .add("keys", options.keys)
        .add("clients", options.clients)
        .add("duration_s", seconds)
        .add("writes_per_s", perSecond(stats.writesMeasured.sum(), seconds))
        .add("write_p50_ms", ms(writes, 50))
        .add("write_p99_ms", ms(writes, 99))
        .add("write_errors", stats.writeErrors.total())
        .add("events_per_s", perSecond(stats.eventsMeasured.sum(), seconds))
        .add("delivery_p50_ms", ms(deliveries, 50))
        .add("delivery_p90_ms", ms(deliveries, 90))
        .add("delivery_p99_ms", ms(deliveries, 99))
        .add("delivery_max_ms", maxMs(deliveries))
        .add("disconnected", stats.disconnected())
        .add("resumes", stats.resumeEvents.sum())
        .add("events_expected", expected)
        .add("events_received", received)
        .add("events_missing", expected - received)
        .add("server_cpu_ms", cpu.serverMs())
        .add("server_cpu_pct", cpu.serverPercent())
        .add("client_cpu_pct", cpu.clientPercent())
        .toString();
  }
}
