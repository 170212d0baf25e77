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

  /** One load-tester run, as read from its JSON. */
  record Run(String system, String scenario, double okPerSecond, long errors, long totalErrors,
      double p50, double p99, double p999, boolean openLoop) {}

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
          "schedule".equals(json.path("latencyFrom").asText()));
      byScenario.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).put(system, run);
    }
    List<Scenario> out = new ArrayList<>();
    byScenario.forEach((name, runs) -> out.add(new Scenario(name, runs)));
    return out;
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
        + "| raftkv / ceiling | errors (raftkv, etcd) |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        + "| --- |\n");
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
          .append(" | ").append(errors(r)).append(", ").append(errors(e)).append(" |\n");
    }
    return md.toString();
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

  /** {@code raftkv bench-report --dir D [--markdown F] [--plot P]}. */
  public static int run(Path dir, Path markdownFile, Path plotFile) throws IOException {
    List<Scenario> scenarios = read(dir);
    if (scenarios.isEmpty()) {
      System.err.println("raftkv: no results (SYSTEM--SCENARIO.json) in " + dir
          + "; run bench/run.sh first");
      return 1;
    }
    String table = markdown(scenarios);
    System.out.print(table);
    if (markdownFile != null) {
      Files.writeString(markdownFile, table, StandardCharsets.UTF_8);
    }
    if (plotFile != null) {
      BenchPlot.write(scenarios, plotFile);
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
