package raftkv.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code load} command's options. Fields left null have defaults that depend on other
 * options (see the {@code effective...} methods); {@link #validate()} checks the combination.
 */
public final class LoadOptions {

  // Enum constants are spelled as they are typed on the command line.
  enum TargetKind { raftkv, etcd }

  enum KeyDist { uniform, zipfian, sequential }

  enum Consistency { linearizable, stale }

  static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
  static final Duration DEFAULT_WARMUP = Duration.ofSeconds(2);
  static final int DEFAULT_CLIENTS = 16;
  static final int DEFAULT_OPEN_LOOP_CONNECTIONS = 128;

  @Option(names = "--url", split = ",", paramLabel = "URL",
      defaultValue = "http://127.0.0.1:8100",
      description = "server to load; repeat or separate with commas to spread requests "
          + "round-robin (default: ${DEFAULT-VALUE})")
  List<String> urls = new ArrayList<>();

  @Option(names = "--target", paramLabel = "KIND", defaultValue = "raftkv",
      description = "API to speak: ${COMPLETION-CANDIDATES} (etcd: the v3 JSON gateway of etcd "
          + "3.4; default: ${DEFAULT-VALUE})")
  TargetKind target;

  @Option(names = "--clients", paramLabel = "C",
      description = "closed loop: C clients, each sending its next request when the last one "
          + "is answered (default: " + DEFAULT_CLIENTS + " unless --rate)")
  Integer clients;

  @Option(names = "--rate", paramLabel = "R",
      description = "open loop: R requests/s in total, sent on a fixed schedule whatever the "
          + "answers; latency counts from each request's scheduled time")
  Double rate;

  @Option(names = "--max-outstanding", paramLabel = "N", defaultValue = "10000",
      description = "open loop: requests in flight at most; a request due beyond this is counted "
          + "as an error 'not sent' (default: ${DEFAULT-VALUE})")
  int maxOutstanding;

  @Option(names = "--connections", paramLabel = "N",
      description = "connections per URL at most (default: the number of clients; open loop: "
          + DEFAULT_OPEN_LOOP_CONNECTIONS + ")")
  Integer connections;

  @Option(names = "--event-loops", paramLabel = "N", defaultValue = "2",
      description = "event loops sending requests (default: ${DEFAULT-VALUE})")
  int eventLoops;

  @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
      description = "how long to measure, e.g. 30s, 2m (default: 10s unless --requests)")
  Duration duration;

  @Option(names = "--requests", paramLabel = "N",
      description = "measure exactly N requests instead of a duration")
  Long requests;

  @Option(names = "--warmup", paramLabel = "TIME", converter = DurationConverter.class,
      description = "send but do not record for this long first (default: 2s with --duration, "
          + "none with --requests)")
  Duration warmup;

  @Option(names = "--keys", paramLabel = "N", defaultValue = "10000",
      description = "key space size (default: ${DEFAULT-VALUE})")
  long keys;

  @Option(names = "--key-dist", paramLabel = "DIST", defaultValue = "uniform",
      description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); sequential takes "
          + "keys 0, 1, 2, ... in turn across all clients, to load every key once")
  KeyDist keyDist;

  @Option(names = "--zipf-theta", paramLabel = "THETA", defaultValue = "0.99",
      description = "zipfian skew, in (0, 1) (default: ${DEFAULT-VALUE})")
  double zipfTheta;

  @Option(names = "--zipf-scrambled",
      description = "spread the hot zipfian keys over the key space (a seeded bijection) "
          + "instead of making the lowest indexes hottest")
  boolean zipfScrambled;

  @Option(names = "--value-size", defaultValue = "100", paramLabel = "BYTES",
      description = "bytes per written value (random printable, made once; default: "
          + "${DEFAULT-VALUE})")
  int valueSize;

  @Option(names = "--read-fraction", defaultValue = "0.5", paramLabel = "F",
      description = "share of reads, 0..1 (default: ${DEFAULT-VALUE})")
  double readFraction;

  @Option(names = "--consistency", paramLabel = "LEVEL", defaultValue = "linearizable",
      description = "reads: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
  Consistency consistency;

  @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "5000",
      description = "a request with no answer for this long is an error 'timeout' "
          + "(default: ${DEFAULT-VALUE})")
  int timeoutMs;

  @Option(names = "--seed", paramLabel = "SEED",
      description = "seed of the key sequence (default: random; printed)")
  Long seed;

  @Option(names = "--label", paramLabel = "NAME", description = "name of this run in the output")
  String label;

  @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON")
  Path json;

  @Option(names = "--key-prefix", paramLabel = "PREFIX", defaultValue = "bench/",
      description = "prefix of every key (default: ${DEFAULT-VALUE})")
  String keyPrefix;

  @Option(names = "--fail-on-errors",
      description = "exit with status 1 when any request failed (default: exit 0 and say so)")
  boolean failOnErrors;

  /** Parses and validates, as the command line does; for tests and scripts in Java. */
  static LoadOptions parse(String... args) {
    LoadCommand command = new LoadCommand();
    new CommandLine(command).parseArgs(args);
    command.options.validate();
    return command.options;
  }

  boolean openLoop() {
    return rate != null;
  }

  int effectiveClients() {
    return clients != null ? clients : DEFAULT_CLIENTS;
  }

  Duration effectiveDuration() {
    return requests != null ? null : duration != null ? duration : DEFAULT_DURATION;
  }

  Duration effectiveWarmup() {
    return warmup != null ? warmup : requests != null ? Duration.ZERO : DEFAULT_WARMUP;
  }

  int effectiveConnections() {
    if (connections != null) return connections;
    return openLoop() ? DEFAULT_OPEN_LOOP_CONNECTIONS : effectiveClients();
  }

  @Option(names = "--cacert", paramLabel = "FILE",
      description = "CA certificates (PEM) to trust for https:// URLs (a ./cluster.sh start --tls"
          + " cluster's: data/tls/ca.pem)")
  String caCert;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "send the token in FILE as 'Authorization: Bearer' with every request")
  String tokenFile;

  @Option(names = "--tls-engine", paramLabel = "ENGINE", defaultValue = "auto",
      description = "the load tester's own TLS for https:// URLs: jdk, openssl (BoringSSL) or"
          + " auto, openssl when it loads here (default: ${DEFAULT-VALUE})")
  String tlsEngine;

  /** The TLS trust and the token of every request. */
  BenchTls tls() {
    return BenchTls.of(caCert, tokenFile, tlsEngine);
  }

  List<Endpoint> endpoints() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (String url : urls) {
      if (!url.isBlank()) endpoints.add(Endpoint.parse(url));
    }
    return endpoints;
  }

  /** Throws IllegalArgumentException naming the first bad option. */
  void validate() {
    if (clients != null && rate != null) {
      throw new IllegalArgumentException("--clients (closed loop) and --rate (open loop) "
          + "exclude each other");
    }
    if (duration != null && requests != null) {
      throw new IllegalArgumentException("--duration and --requests exclude each other");
    }
    require(clients == null || clients >= 1, "--clients must be at least 1");
    require(rate == null || rate > 0 && !rate.isInfinite(), "--rate must be a positive number");
    require(requests == null || requests >= 1, "--requests must be at least 1");
    require(duration == null || !duration.isZero(), "--duration must be more than 0");
    require(maxOutstanding >= 1, "--max-outstanding must be at least 1");
    require(connections == null || connections >= 1, "--connections must be at least 1");
    require(eventLoops >= 1, "--event-loops must be at least 1");
    require(keys >= 1 && keys <= Integer.MAX_VALUE, "--keys must be in 1.." + Integer.MAX_VALUE);
    require(zipfTheta > 0 && zipfTheta < 1, "--zipf-theta must be in (0, 1)");
    require(valueSize >= 0, "--value-size must not be negative");
    require(readFraction >= 0 && readFraction <= 1, "--read-fraction must be in 0..1");
    require(timeoutMs >= 1, "--timeout-ms must be at least 1");
    require(keyPrefix != null, "--key-prefix must be given a value");
    if (endpoints().isEmpty()) throw new IllegalArgumentException("--url: give at least one URL");
  }

  private static void require(boolean condition, String message) {
    if (!condition) throw new IllegalArgumentException(message);
  }

  /** The effective settings, for the report and its JSON. */
  Map<String, Object> describe(long seed) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("label", label);
    s.put("target", target.name());
    s.put("urls", endpoints().stream().map(Endpoint::url).toList());
    s.put("mode", openLoop() ? "open" : "closed");
    if (openLoop()) {
      s.put("rate", rate);
      s.put("maxOutstanding", maxOutstanding);
    } else {
      s.put("clients", effectiveClients());
    }
    s.put("connectionsPerUrl", effectiveConnections());
    s.put("eventLoops", eventLoops);
    Duration d = effectiveDuration();
    s.put("durationSeconds", d == null ? null : d.toNanos() / 1e9);
    s.put("requests", requests);
    s.put("warmupSeconds", effectiveWarmup().toNanos() / 1e9);
    s.put("keys", keys);
    s.put("keyDist", keyDist.name());
    if (keyDist == KeyDist.zipfian) {
      s.put("zipfTheta", zipfTheta);
      s.put("zipfScrambled", zipfScrambled);
    }
    s.put("keyPrefix", keyPrefix);
    s.put("valueSize", valueSize);
    s.put("readFraction", readFraction);
    s.put("consistency", consistency.name());
    s.put("timeoutMs", timeoutMs);
    s.put("seed", seed);
    return s;
  }
}
