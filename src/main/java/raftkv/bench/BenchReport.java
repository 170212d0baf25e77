package raftkv.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Turns the JSON results of {@code bench/run.sh} ({@code SYSTEM--SCENARIO.json} in one
 * directory) into the side-by-side table of BENCHMARKS.md and a plot.
 */
public final class BenchReport {

  /** The order the table shows scenarios in; others follow by name. */
  static final List<String> SCENARIO_ORDER = List.of("write-c1", "write-c16", "write-c64",
      "write-c256", "read-c64", "mix90-c64", "open-write");

  /**
   * One load-tester run, as read from its JSON.
   *
   * @param answered requests answered over the whole run, warm-up included: what the CPU
   *     time of {@code cpuSeconds} (also the whole run) was spent on
   * @param cpuSeconds CPU time of the system's processes during the run, NaN if not measured
   * @param raft raftkv's own counters over the run, null for other systems
   */
  record Run(String system, String scenario, double okPerSecond, long errors, long totalErrors,
      double p50, double p99, double p999, boolean openLoop, long answered, double cpuSeconds,
      RaftCounters raft) {

    /** CPU microseconds per answered request, NaN if not measured. */
    double cpuMicrosPerOp() {
      return answered == 0 ? Double.NaN : cpuSeconds * 1e6 / answered;
    }
  }

  /**
   * What raftkv's nodes counted during a run (from {@code /v1/cluster} before and after).
   *
   * @param entries log entries the leader wrote
   * @param leaderFsyncs log fsyncs of the leader
   * @param followerFsyncs log fsyncs of one follower (the followers' average)
   * @param raftRequests HTTP requests between nodes, all directions
   */
  record RaftCounters(long entries, long leaderFsyncs, long followerFsyncs, long raftRequests) {}

  /** Every run of one scenario, by system ("raftkv", "etcd", "ceiling"). */
  record Scenario(String name, Map<String, Run> bySystem) {
    Run get(String system) {
      return bySystem.get(system);
    }
  }

  private BenchReport() {}

  static List<Scenario> read(Path dir) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    Map<String, Map<String, Run>> byScenario = new TreeMap<>(BenchReport::compareScenarios);
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().matches("[a-z0-9]+--[a-z0-9-]+\\.json"))
          .sorted().toList();
    }
    for (Path file : files) {
      String base = file.getFileName().toString().replaceFirst("\\.json$", "");
      String system = base.substring(0, base.indexOf("--"));
      String scenario = base.substring(base.indexOf("--") + 2);
      JsonNode json = mapper.readTree(file.toFile());
      JsonNode all = allRow(json);
      JsonNode lat = all == null ? null : all.get("latencyMs");
      Run run = new Run(system, scenario, json.path("okPerSecond").asDouble(),
          json.path("errors").asLong(), json.path("errors").asLong()
              + json.path("warmup").path("errors").asLong(),
          number(lat, "p50"), number(lat, "p99"), number(lat, "p999"),
          "schedule".equals(json.path("latencyFrom").asText()),
          json.path("requests").asLong() + json.path("warmup").path("requests").asLong(),
          cpuSeconds(dir.resolve(base + ".cpu.json"), mapper),
          raftCounters(dir.resolve(base + ".stats-before.jsonl"),
              dir.resolve(base + ".stats-after.jsonl"), mapper));
      byScenario.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).put(system, run);
    }
    List<Scenario> out = new ArrayList<>();
    byScenario.forEach((name, runs) -> out.add(new Scenario(name, runs)));
    return out;
  }

  private static double cpuSeconds(Path file, ObjectMapper mapper) throws IOException {
    if (!Files.exists(file)) return Double.NaN;
    double sum = 0;
    for (JsonNode seconds : mapper.readTree(file.toFile())) sum += seconds.asDouble();
    return sum;
  }

  /** Each node's status, by node id, from one line of JSON per node. */
  private static Map<Integer, JsonNode> statuses(Path file, ObjectMapper mapper)
      throws IOException {
    Map<Integer, JsonNode> byId = new TreeMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) continue;
      JsonNode status = mapper.readTree(line);
      if (status.has("nodeId")) byId.put(status.get("nodeId").asInt(), status);
    }
    return byId;
  }

  private static RaftCounters raftCounters(Path before, Path after, ObjectMapper mapper)
      throws IOException {
    if (!Files.exists(before) || !Files.exists(after)) return null;
    Map<Integer, JsonNode> b = statuses(before, mapper);
    Map<Integer, JsonNode> a = statuses(after, mapper);
    long entries = 0;
    long leaderFsyncs = 0;
    long followerFsyncs = 0;
    int followers = 0;
    long requests = 0;
    for (Map.Entry<Integer, JsonNode> node : a.entrySet()) {
      JsonNode was = b.get(node.getKey());
      if (was == null) return null; // a node that did not answer: no honest count
      JsonNode now = node.getValue();
      long fsyncs = now.path("storage").path("fsyncs").asLong()
          - was.path("storage").path("fsyncs").asLong();
      if ("LEADER".equals(now.path("role").asText())) {
        leaderFsyncs = fsyncs;
        entries = now.path("storage").path("entriesWritten").asLong()
            - was.path("storage").path("entriesWritten").asLong();
      } else {
        followerFsyncs += fsyncs;
        followers++;
      }
      requests += sumRequests(now) - sumRequests(was);
    }
    return new RaftCounters(entries, leaderFsyncs, followers == 0 ? 0 : followerFsyncs / followers,
        requests);
  }

  private static long sumRequests(JsonNode status) {
    long sum = 0;
    for (JsonNode peer : status.path("peers")) sum += peer.path("requests").asLong();
    return sum;
  }

  private static JsonNode allRow(JsonNode json) {
    for (JsonNode row : json.path("ops")) {
      if ("all".equals(row.path("op").asText())) return row;
    }
    return null;
  }

  private static double number(JsonNode node, String field) {
    return node == null || !node.hasNonNull(field) ? Double.NaN : node.get(field).asDouble();
  }

  static int compareScenarios(String a, String b) {
    int ia = SCENARIO_ORDER.indexOf(a);
    int ib = SCENARIO_ORDER.indexOf(b);
    if (ia >= 0 && ib >= 0) return Integer.compare(ia, ib);
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return a.compareTo(b);
  }

  /** The Markdown table: throughput and latency of both systems, ratios, the ceiling. */
  static String markdown(List<Scenario> scenarios) {
    StringBuilder md = new StringBuilder();
    md.append("| scenario | raftkv ops/s | etcd ops/s | raftkv / etcd | raftkv p50 ms | etcd p50 ms "
        + "| raftkv p99 ms | etcd p99 ms | raftkv p99.9 ms | etcd p99.9 ms | ceiling ops/s "
        + "| raftkv / ceiling | etcd / ceiling | errors (raftkv, etcd) |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        + "| ---: | --- |\n");
    for (Scenario s : scenarios) {
      Run r = s.get("raftkv");
      Run e = s.get("etcd");
      Run c = s.get("ceiling");
      md.append("| ").append(s.name())
          .append(" | ").append(ops(r)).append(" | ").append(ops(e))
          .append(" | ").append(ratio(r, e))
          .append(" | ").append(ms(r, Run::p50)).append(" | ").append(ms(e, Run::p50))
          .append(" | ").append(ms(r, Run::p99)).append(" | ").append(ms(e, Run::p99))
          .append(" | ").append(ms(r, Run::p999)).append(" | ").append(ms(e, Run::p999))
          .append(" | ").append(ops(c)).append(" | ").append(fraction(r, c))
          .append(" | ").append(fraction(e, c))
          .append(" | ").append(errors(r)).append(", ").append(errors(e)).append(" |\n");
    }
    return md.toString();
  }

  /**
   * What each operation cost: CPU of the servers (the load tester not counted) per request,
   * and for raftkv its fsyncs and Raft requests.
   */
  static String efficiencyMarkdown(List<Scenario> scenarios) {
    StringBuilder md = new StringBuilder();
    md.append("| scenario | raftkv CPU µs/op | etcd CPU µs/op | ceiling CPU µs/op "
        + "| raftkv leader fsyncs per 100 entries | follower fsyncs per 100 entries "
        + "| Raft HTTP requests per op |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Scenario s : scenarios) {
      Run r = s.get("raftkv");
      RaftCounters c = r == null ? null : r.raft();
      md.append("| ").append(s.name())
          .append(" | ").append(micros(r)).append(" | ").append(micros(s.get("etcd")))
          .append(" | ").append(micros(s.get("ceiling")))
          .append(" | ").append(c == null || c.entries() == 0 ? "–"
              : format("%.1f", 100.0 * c.leaderFsyncs() / c.entries()))
          .append(" | ").append(c == null || c.entries() == 0 ? "–"
              : format("%.1f", 100.0 * c.followerFsyncs() / c.entries()))
          .append(" | ").append(c == null || r.answered() == 0 ? "–"
              : format("%.2f", (double) c.raftRequests() / r.answered()))
          .append(" |\n");
    }
    return md.toString();
  }

  private static String micros(Run run) {
    if (run == null || Double.isNaN(run.cpuMicrosPerOp())) return "–";
    return format("%.0f", run.cpuMicrosPerOp());
  }

  private static String format(String pattern, double value) {
    return String.format(Locale.ROOT, pattern, value);
  }

  private static String ops(Run run) {
    return run == null ? "–" : String.format(Locale.ROOT, "%,.0f", run.okPerSecond());
  }

  private static String ratio(Run a, Run b) {
    if (a == null || b == null || b.okPerSecond() == 0) return "–";
    if (a.openLoop() && b.openLoop()) {
      // the rate is fixed: what differs is the tail, so compare p99 (lower is better)
      return String.format(Locale.ROOT, "p99 %.2f×", a.p99() / b.p99());
    }
    return String.format(Locale.ROOT, "%.2f×", a.okPerSecond() / b.okPerSecond());
  }

  private static String fraction(Run run, Run ceiling) {
    if (run == null || ceiling == null || ceiling.okPerSecond() == 0) return "–";
    return String.format(Locale.ROOT, "%.0f%%", 100 * run.okPerSecond() / ceiling.okPerSecond());
  }

  private static String ms(Run run, java.util.function.ToDoubleFunction<Run> f) {
    if (run == null || Double.isNaN(f.applyAsDouble(run))) return "–";
    double v = f.applyAsDouble(run);
    return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
  }

  private static String errors(Run run) {
    return run == null ? "–" : Long.toString(run.totalErrors());
  }

  /**
   * What bench/run.sh wrote of the run in {@code environment.txt}: the date, the machine, the
   * versions and the raftkv revision that made the numbers ({@code git describe --dirty}). Empty
   * when the file is absent.
   */
  static List<String> environment(Path dir) throws IOException {
    Path file = dir.resolve("environment.txt");
    if (!Files.exists(file)) return List.of();
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .filter(line -> !line.isBlank()).toList();
  }

  /** The plot's subtitle: the revision and the date, when known. */
  private static String stamp(List<String> environment) {
    return environment.stream()
        .filter(line -> line.startsWith("raftkv: ") || line.startsWith("date: "))
        .reduce((a, b) -> a + ", " + b).orElse("");
  }

  /** {@code raftkv bench-report --dir D [--markdown F] [--plot P]}. */
  public static int run(Path dir, Path markdownFile, Path plotFile) throws IOException {
    List<Scenario> scenarios = read(dir);
    if (scenarios.isEmpty()) {
      System.err.println("raftkv: no results (SYSTEM--SCENARIO.json) in " + dir
          + "; run bench/run.sh first");
      return 1;
    }
    List<String> environment = environment(dir);
    String table = markdown(scenarios) + "\n" + efficiencyMarkdown(scenarios);
    if (!environment.isEmpty()) {
      table = "```\n" + String.join("\n", environment) + "\n```\n\n" + table;
    }
    System.out.print(table);
    if (markdownFile != null) {
      Files.writeString(markdownFile, table, StandardCharsets.UTF_8);
    }
    if (plotFile != null) {
      BenchPlot.write(scenarios, stamp(environment), plotFile);
      System.out.println("plot: " + plotFile);
    }
    long errors = scenarios.stream().flatMap(s -> s.bySystem().values().stream())
        .mapToLong(Run::totalErrors).sum();
    if (errors > 0) {
      System.out.println("WARNING: " + errors + " requests failed across the runs; see the "
          + "errors column and each run's .txt");
    }
    return 0;
  }
}
