package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {

  @TempDir Path dir;

  private void result(String file, double okPerSecond, double p50, double p99, long errors,
      String latencyFrom) throws Exception {
    Files.writeString(dir.resolve(file), """
        {"okPerSecond": %s, "errors": %d, "latencyFrom": "%s", "warmup": {"errors": 1},
         "ops": [{"op": "write", "latencyMs": {"p50": 99}},
                 {"op": "all", "latencyMs": {"p50": %s, "p90": 0, "p99": %s, "p999": %s}}]}
        """.formatted(okPerSecond, errors, latencyFrom, p50, p99, p99 * 2));
  }

  @Test
  void tableHasBothSystemsTheRatiosAndTheCeilingInScenarioOrder() throws Exception {
    result("raftkv--write-c64.json", 12000, 4.2, 20, 0, "send");
    result("etcd--write-c64.json", 4000, 12.5, 40, 3, "send");
    result("ceiling--write-c64.json", 60000, 0.5, 2, 0, "send");
    result("raftkv--write-c1.json", 700, 1.2, 3, 0, "send");
    result("etcd--write-c1.json", 600, 1.4, 4, 0, "send");
    result("raftkv--open-write.json", 2000, 1.0, 5, 0, "schedule");
    result("etcd--open-write.json", 2000, 1.5, 10, 0, "schedule");
    Files.writeString(dir.resolve("notes--x.txt"), "ignored");

    List<BenchReport.Scenario> scenarios = BenchReport.read(dir);
    assertThat(scenarios).extracting(BenchReport.Scenario::name)
        .containsExactly("write-c1", "write-c64", "open-write");
    String md = BenchReport.markdown(scenarios);

    assertThat(md).contains("| write-c64 | 12,000 | 4,000 | 3.00× | 4.20 | 12.5 | 20.0 | 40.0 "
        + "| 40.0 | 80.0 | 60,000 | 20% | 7% | 1, 4 |");
    assertThat(md).contains("| write-c1 | 700 | 600 | 1.17× |");
    // open loop: the rate is the same, so the ratio compares the tail
    assertThat(md).contains("| open-write | 2,000 | 2,000 | p99 0.50× |");
    assertThat(md.indexOf("write-c1 ")).isLessThan(md.indexOf("write-c64"));
  }

  @Test
  void efficiencyTableHasCpuPerOpAndRaftkvsOwnCounters() throws Exception {
    result("raftkv--write-c64.json", 12000, 4.2, 20, 0, "send");
    result("etcd--write-c64.json", 4000, 12.5, 40, 0, "send");
    // the fixture's runs answered 0 measured + 0 warm-up requests: add them
    for (String f : new String[] {"raftkv--write-c64.json", "etcd--write-c64.json"}) {
      String json = Files.readString(dir.resolve(f));
      Files.writeString(dir.resolve(f), json.replace("\"okPerSecond\"", "\"requests\": 9000, "
          + "\"okPerSecond\"").replace("\"warmup\": {", "\"warmup\": {\"requests\": 1000, "));
    }
    Files.writeString(dir.resolve("raftkv--write-c64.cpu.json"),
        "{\"node1\": 0.5, \"node2\": 0.25, \"node3\": 0.25}");
    Files.writeString(dir.resolve("etcd--write-c64.cpu.json"), "{\"member1\": 3.0}");
    Files.writeString(dir.resolve("raftkv--write-c64.stats-before.jsonl"), """
        {"nodeId":1,"role":"LEADER","storage":{"fsyncs":10,"entriesWritten":100},"peers":[{"requests":5},{"requests":5}]}
        {"nodeId":2,"role":"FOLLOWER","storage":{"fsyncs":10,"entriesWritten":100},"peers":[{"requests":1}]}
        {"nodeId":3,"role":"FOLLOWER","storage":{"fsyncs":10,"entriesWritten":100},"peers":[{"requests":1}]}
        """);
    Files.writeString(dir.resolve("raftkv--write-c64.stats-after.jsonl"), """
        {"nodeId":1,"role":"LEADER","storage":{"fsyncs":510,"entriesWritten":10100},"peers":[{"requests":1005},{"requests":1005}]}
        {"nodeId":2,"role":"FOLLOWER","storage":{"fsyncs":410,"entriesWritten":10100},"peers":[{"requests":1001}]}
        {"nodeId":3,"role":"FOLLOWER","storage":{"fsyncs":610,"entriesWritten":10100},"peers":[{"requests":1001}]}
        """);

    String md = BenchReport.efficiencyMarkdown(BenchReport.read(dir));

    // 1 CPU second over 10,000 answered requests is 100 µs each; etcd's 3 s is 300 µs;
    // 500 leader fsyncs and on average 500 per follower for 10,000 entries; 4,000 requests
    assertThat(md).contains("| write-c64 | 100 | 300 | – | 5.0 | 5.0 | 0.40 |");
  }

  @Test
  void plotIsAPngWithBothPanels() throws Exception {
    result("raftkv--write-c64.json", 12000, 4.2, 20, 0, "send");
    result("etcd--write-c64.json", 4000, 12.5, 40, 0, "send");
    Path png = dir.resolve("bench.png");
    assertThat(BenchReport.run(dir, dir.resolve("report.md"), png)).isZero();
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1200);
    assertThat(image.getHeight()).isGreaterThan(600);
    // the bars are drawn: each system's colour covers far more than its 14x14 legend square
    assertThat(samplesOf(image, 0x2b6cb0)).isGreaterThan(500);
    assertThat(samplesOf(image, 0xdd6b20)).isGreaterThan(500);
    assertThat(Files.readString(dir.resolve("report.md"))).contains("| write-c64 |");
  }

  @Test
  void theReportNamesTheRevisionThatMadeIt() throws Exception {
    result("raftkv--write-c64.json", 12000, 4.2, 20, 0, "send");
    Files.writeString(dir.resolve("environment.txt"), "date: 2026-11-30T01:00:00Z\n"
        + "raftkv: 83f974a-dirty\n");
    assertThat(BenchReport.run(dir, dir.resolve("report.md"), dir.resolve("bench.png")))
        .isZero();
    assertThat(Files.readString(dir.resolve("report.md")))
        .startsWith("```\ndate: 2026-11-30T01:00:00Z\nraftkv: 83f974a-dirty\n```\n");
  }

  /** Pixels of one colour, counting every other pixel in both directions. */
  private static int samplesOf(BufferedImage image, int rgb) {
    int count = 0;
    for (int x = 0; x < image.getWidth(); x += 2) {
      for (int y = 0; y < image.getHeight(); y += 2) {
        if ((image.getRGB(x, y) & 0xffffff) == rgb) count++;
      }
    }
    return count;
  }

  @Test
  void anEmptyDirectoryIsAnErrorThatSaysWhatToRun() throws Exception {
    assertThat(BenchReport.run(dir, null, null)).isEqualTo(1);
  }

  @Test
  void axisCeilingsAreRoundNumbers() {
    assertThat(BenchPlot.niceCeiling(12_345)).isEqualTo(15_000);
    assertThat(BenchPlot.niceCeiling(1_000_009)).isEqualTo(1_200_000);
    assertThat(BenchPlot.niceCeiling(4_000)).isEqualTo(5_000);
    assertThat(BenchPlot.niceCeiling(0.9)).isEqualTo(1.0);
    assertThat(BenchPlot.niceCeiling(21)).isEqualTo(25);
  }
}
