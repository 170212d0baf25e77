package raftkv.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv watch-bench}: what watches and leases cost a raftkv cluster. Two phases, one per
 * run: the watch phase ({@link WatchPhase}) holds N watch streams open on one node while closed
 * -loop writers write to the keys they watch, and measures write throughput and how fast the
 * changes reach the watchers; the lease phase ({@link LeasePhase}, {@code --leases L}) keeps L
 * leases alive and measures the keep-alives and what they cost the server in CPU.
 */
@Command(name = "watch-bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Benchmark raftkv's watches (GET /v1/watch) or, with --leases, its lease keep-alives.",
        "Watch phase: opens --watchers streams on --endpoint, spread over --keys keys wb/<i>, "
            + "waits until each has had its first progress event, then runs --clients "
            + "closed-loop writers against --write-endpoint for --warmup + --duration, each "
            + "write carrying its send time, and reports write throughput and delivery latency. "
            + "--watchers 0 measures the writes alone.",
        "Progress goes to stderr; the report and a final 'RESULT key=value ...' line to stdout."},
    footer = {"", "Exit status: 0 when the run completed, 1 when it could not run (no watcher "
        + "opened, no lease granted), 2 for bad options."})
public final class WatchBench implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(WatchBench.class);
  private static final long PROGRESS_NANOS = 5_000_000_000L;
  static final long POLL_MS = 50;

  @Option(names = "--endpoint", defaultValue = "http://127.0.0.1:8101",
      description = "client URL of the node the watchers connect to (default: ${DEFAULT-VALUE})")
  String endpoint;

  @Option(names = "--write-endpoint",
      description = "client URL the writes (and lease requests) go to (default: --endpoint)")
  String writeEndpoint;

  @Option(names = "--watchers", defaultValue = "10000",
      description = "watch streams held open (default: ${DEFAULT-VALUE}); 0: writes alone")
  int watchers;

  @Option(names = "--keys", defaultValue = "1000",
      description = "keys wb/0..wb/K-1; watcher i watches wb/(i %% K) (default: ${DEFAULT-VALUE})")
  int keys;

  @Option(names = "--clients", defaultValue = "64",
      description = "concurrent writers, closed loop; in the lease phase, the connections and "
          + "grants in flight (default: ${DEFAULT-VALUE})")
  int clients;

  @Option(names = "--duration", defaultValue = "20s", converter = DurationConverter.class,
      description = "measured time (default: ${DEFAULT-VALUE})")
  Duration duration;

  @Option(names = "--warmup", defaultValue = "5s", converter = DurationConverter.class,
      description = "load before measuring, not recorded (default: ${DEFAULT-VALUE})")
  Duration warmup;

  @Option(names = "--leases", defaultValue = "0",
      description = "run the lease phase instead: grant L leases, keep each alive every ttl/3")
  int leases;

  @Option(names = "--lease-ttl", defaultValue = "10s", converter = DurationConverter.class,
      description = "TTL of the granted leases (default: ${DEFAULT-VALUE})")
  Duration leaseTtl;

  @Option(names = "--server-pid",
      description = "pid of the server process to read CPU time of (/proc/PID/stat)")
  Long serverPid;

  @Option(names = "--clk-tck", defaultValue = "100",
      description = "clock ticks per second of /proc/PID/stat, 'getconf CLK_TCK' "
          + "(default: ${DEFAULT-VALUE})")
  int clockTicks;

  @Option(names = "--event-loops",
      description = "Vert.x event loops of this client (default: 2 x cores = ${DEFAULT-VALUE})")
  int eventLoops = 2 * Runtime.getRuntime().availableProcessors();

  @Option(names = "--max-opening", defaultValue = "256",
      description = "watch streams being opened at once (default: ${DEFAULT-VALUE})")
  int maxOpening;

  @Option(names = "--open-timeout", defaultValue = "120s", converter = DurationConverter.class,
      description = "give up waiting for the watchers to open after this (default: "
          + "${DEFAULT-VALUE}); the run goes on with those open")
  Duration openTimeout;

  @Option(names = "--timeout-ms", defaultValue = "10000",
      description = "timeout of a write or lease request (default: ${DEFAULT-VALUE})")
  int timeoutMs;

  @Option(names = "--label", description = "a name for this run, in the output")
  String label;

  @Spec CommandSpec spec;

  /** The name of key number {@code k}. */
  static String keyName(int k) {
    return "wb/" + k;
  }

  @Override
  public Integer call() {
    Endpoint watchAt;
    Endpoint writeTo;
    try {
      validate();
      watchAt = Endpoint.parse(endpoint);
      writeTo = Endpoint.parse(writeEndpoint == null ? endpoint : writeEndpoint);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
    try {
      return leases > 0 ? new LeasePhase(this, vertx, writeTo).run()
          : new WatchPhase(this, vertx, watchAt, writeTo).run();
    } finally {
      vertx.close().await();
      LOG.debug("watch-bench finished, Vert.x closed");
    }
  }

  private void validate() {
    require(watchers >= 0, "--watchers must be at least 0");
    require(keys >= 1, "--keys must be at least 1");
    require(clients >= 1, "--clients must be at least 1");
    require(leases >= 0, "--leases must be at least 0");
    require(!duration.isZero(), "--duration must be more than 0");
    require(leaseTtl.toMillis() >= 3, "--lease-ttl must be at least 3ms");
    require(clockTicks >= 1, "--clk-tck must be at least 1");
    require(eventLoops >= 1, "--event-loops must be at least 1");
    require(maxOpening >= 1, "--max-opening must be at least 1");
    require(timeoutMs >= 1, "--timeout-ms must be at least 1");
    require(serverPid == null || serverPid > 0, "--server-pid must be a pid");
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message);
  }

  /** The label in brackets, or nothing. */
  String labelPart() {
    return label == null ? "" : " [" + label + "]";
  }

  /**
   * Part {@code part} of {@code total} things dealt out like cards to {@code parts} takers: the
   * first {@code total % parts} get one more. Thing {@code i} goes to taker {@code i % parts}.
   */
  static int dealt(int total, int part, int parts) {
    return total / parts + (part < total % parts ? 1 : 0);
  }

  /**
   * Waits on this thread until {@code done} completes, while the event loops run: opens {@code
   * cpu} at {@code measureStartNanos}, closes it at {@code endNanos}, and runs {@code progress}
   * every 5 s from {@code startNanos}.
   */
  static void follow(Future<?> done, long startNanos, long measureStartNanos, long endNanos,
      CpuWindow cpu, Runnable progress) {
    boolean opened = false;
    boolean closed = false;
    long nextProgress = startNanos + PROGRESS_NANOS;
    while (!done.isComplete()) {
      pause(POLL_MS);
      long now = System.nanoTime();
      if (!opened && now - measureStartNanos >= 0) {
        cpu.open();
        opened = true;
      }
      if (opened && !closed && now - endNanos >= 0) {
        cpu.close();
        closed = true;
      }
      if (now - nextProgress >= 0) {
        progress.run();
        nextProgress += PROGRESS_NANOS;
      }
    }
    // the run ended before its clock did (only when nothing could be sent): close it anyway
    if (!opened) cpu.open();
    if (!closed) cpu.close();
  }

  // formatting shared by the two phases

  /** Errors by kind with an example each, under a loud heading; nothing when there are none. */
  static void printErrors(PrintStream out, String what, ErrorCounts errors) {
    if (errors.total() == 0) return;
    Map<String, String> examples = errors.examples();
    out.println(what + " (!):");
    errors.counts().forEach((kind, count) -> out.println(f("  %-40s %8d  %s", kind, count,
        examples.getOrDefault(kind, ""))));
  }

  static double ms(Histogram micros, double percentile) {
    return micros.getTotalCount() == 0 ? Double.NaN
        : micros.getValueAtPercentile(percentile) / 1000.0;
  }

  static double maxMs(Histogram micros) {
    return micros.getTotalCount() == 0 ? Double.NaN : micros.getMaxValue() / 1000.0;
  }

  static double perSecond(long count, double seconds) {
    return seconds <= 0 ? 0 : count / seconds;
  }

  static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  /** Sleeps about {@code millis}; an interrupt ends the wait early (and is kept). */
  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
