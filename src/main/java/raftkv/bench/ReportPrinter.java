package raftkv.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints a {@link Report} as the table a person reads at the end of a run. */
final class ReportPrinter {

  private final PrintStream out;

  ReportPrinter(PrintStream out) {
    this.out = out;
  }

  void print(Report r) {
    Map<String, Object> s = r.settings();
    out.println();
    out.println(header(r));
    out.printf(Locale.ROOT, "workload: %s keys %s, reads %.0f%% (%s), %s-byte values, "
            + "key prefix \"%s\", seed %d%n", s.get("keys"), keyDist(s),
        100 * (double) s.get("readFraction"), s.get("consistency"), s.get("valueSize"),
        s.get("keyPrefix"), r.seed());
    out.printf(Locale.ROOT, "measured %.2f s after a %.2f s warm-up; latency counts from each "
            + "request's %s%n", r.measuredSeconds(), r.warmupSeconds(),
        r.latencyFrom().equals("schedule") ? "scheduled send time (open loop)"
            : "send (closed loop)");
    out.println();
    out.printf(Locale.ROOT, "%-6s %10s %10s %8s %11s %9s %9s %9s %9s %9s%n", "op", "requests",
        "ok", "errors", "ok/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
    for (Report.OpRow row : r.ops()) {
      Report.Percentiles p = row.latencyMs();
      out.printf(Locale.ROOT, "%-6s %10d %10d %8d %11.1f %s %s %s %s %s%n", row.op(),
          row.requests(), row.ok(), row.errors(), row.okPerSecond(),
          ms(p == null ? null : p.p50()), ms(p == null ? null : p.p90()),
          ms(p == null ? null : p.p99()), ms(p == null ? null : p.p999()),
          ms(p == null ? null : p.max()));
    }
    out.println();
    if (r.readsNotFound() > 0) {
      out.printf("reads of keys never written (404, counted as ok): %d%n", r.readsNotFound());
    }
    if (!r.writeGaps().isEmpty()) {
      Report.Gap longest = r.writeGaps().get(0);
      out.printf(Locale.ROOT, "longest gap without a successful write: %.1f ms (ended %.2f s into"
          + " the measured period)%n", longest.ms(), longest.endedAtSeconds());
      for (Report.Gap g : r.writeGaps()) {
        out.printf(Locale.ROOT, "  write gap %8.1f ms, ended %6.2f s in, at epoch ms %d%n",
            g.ms(), g.endedAtSeconds(), g.endedAtEpochMs());
      }
    }
    if (r.sendLagMs() != null) {
      out.printf(Locale.ROOT, "send lag behind schedule: p99 %.3f ms, max %.3f ms%s%n",
          r.sendLagMs().p99(), r.sendLagMs().max(), r.sendLagMs().p99() > 10
              ? "  (this machine did not keep up the rate: the load itself was late)" : "");
    }
    if (r.stillWarmingUp()) {
      out.println("note: throughput was still rising during the measured period (see the "
          + "progress lines); the JVMs were probably still warming up: try a longer --warmup "
          + "(a fresh JVM needs about 10 s on 2 cores)");
    }
    Report.Warmup w = r.warmup();
    if (w.requests() > 0) {
      out.printf("warm-up (not in the table): %d requests, %d errors%n", w.requests(),
          w.errors());
    }
    printErrors("errors by kind", r.errorsByKind(), r.errorExamples());
    printErrors("warm-up errors by kind", w.errorsByKind(), w.errorExamples());
    out.println(verdict(r));
  }

  private String header(Report r) {
    Map<String, Object> s = r.settings();
    String label = s.get("label") == null ? "" : " [" + s.get("label") + "]";
    String mode = "open".equals(s.get("mode"))
        ? String.format(Locale.ROOT, "open loop at %s requests/s (at most %s in flight)",
            s.get("rate"), s.get("maxOutstanding"))
        : "closed loop, " + s.get("clients") + " clients";
    @SuppressWarnings("unchecked")
    List<String> urls = (List<String>) s.get("urls");
    return "load" + label + ": " + mode + ", " + s.get("eventLoops") + " event loops, "
        + s.get("connectionsPerUrl") + " connections per URL, target " + s.get("target")
        + " at " + String.join(", ", urls);
  }

  private static String keyDist(Map<String, Object> s) {
    if ("sequential".equals(s.get("keyDist"))) return "sequential";
    if (!"zipfian".equals(s.get("keyDist"))) return "uniform";
    return "zipfian (theta " + s.get("zipfTheta")
        + (Boolean.TRUE.equals(s.get("zipfScrambled")) ? ", scrambled)" : ")");
  }

  private void printErrors(String title, Map<String, Long> counts, Map<String, String> examples) {
    if (counts.isEmpty()) return;
    out.println();
    out.println(title + ":");
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      String example = examples.get(e.getKey());
      out.printf("  %-34s %10d%s%n", e.getKey(), e.getValue(),
          example == null ? "" : "  e.g. " + example);
    }
  }

  static String verdict(Report r) {
    long measured = r.errors();
    long warm = r.warmup().errors();
    if (measured == 0 && warm == 0) return "\nRESULT: no errors.";
    String share = r.requests() == 0 ? "" : String.format(Locale.ROOT, " (%.3f%%)",
        100.0 * measured / r.requests());
    return "\nRESULT: ERRORS! " + measured + " of " + r.requests() + " measured requests failed"
        + share + (warm > 0 ? ", and " + warm + " during warm-up" : "")
        + ". They are not in the latencies; see the kinds above.";
  }

  private static String ms(Double value) {
    return value == null ? String.format("%9s", "-") : String.format(Locale.ROOT, "%9.3f", value);
  }
}
