package raftkv.bench;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the load tester from a test thread, as the command line would, minus the printing. */
final class Runs {

  private Runs() {}

  static Report run(String... args) {
    return new LoadTester(LoadOptions.parse(args), new PrintStream(OutputStream.nullOutputStream()))
        .run();
  }

  /** The table the command prints for {@code report}. */
  static String printed(Report report) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new ReportPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8)).print(report);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  static Report.OpRow row(Report report, String op) {
    return report.ops().stream().filter(r -> r.op().equals(op)).findFirst().orElseThrow();
  }
}
