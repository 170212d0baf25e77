package raftkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages form layers: each may use only the packages listed before it, so the design
 * reads bottom-up and no cycle can creep in. The Raft core in particular stays pure.
 */
class LayeringTest {

  /** Bottom to top. */
  static final List<String> LAYERS = List.of("util", "security", "raft", "storage", "kv",
      "transport", "config", "metrics", "node", "frontend", "gateway", "bench", "cli");

  private static final Path MAIN = Path.of("src/main/java/raftkv");
  /** A use of another package: an import (wildcards too) or a qualified name. */
  private static final Pattern REFERENCE =
      Pattern.compile("\\braftkv\\.([a-z]+)\\.(?:[A-Z]|\\*)");

  @Test
  void everyPackageIsALayer() throws IOException {
    try (Stream<Path> dirs = Files.list(MAIN)) {
      assertThat(dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()))
          .allMatch(LAYERS::contains, "listed in LAYERS");
    }
  }

  @Test
  void noPackageUsesOneAboveIt() throws IOException {
    List<String> violations = new ArrayList<>();
    for (Path file : sources()) {
      String layer = file.getParent().getFileName().toString();
      violations.addAll(violations(MAIN.relativize(file).toString(), layer,
          Files.readString(file)));
    }
    assertThat(violations).isEmpty();
  }

  /** What in {@code source}, a file of package {@code layer}, uses a package above it. */
  static List<String> violations(String file, String layer, String source) {
    List<String> found = new ArrayList<>();
    Matcher m = REFERENCE.matcher(source);
    while (m.find()) {
      String used = m.group(1);
      if (!LAYERS.contains(used)) {
        found.add(file + " uses raftkv." + used + ", which is no layer");
      } else if (LAYERS.indexOf(used) > LAYERS.indexOf(layer)) {
        found.add(file + " uses raftkv." + used);
      }
    }
    return found;
  }

  @Test
  void theRaftCoreImportsNoIoClocksOrVertx() throws IOException {
    Pattern forbidden = Pattern.compile("import (io\\.vertx|java\\.io|java\\.nio|java\\.net"
        + "|java\\.time|java\\.util\\.concurrent)|System\\.(currentTimeMillis|nanoTime)"
        + "|new Thread");
    List<String> violations = new ArrayList<>();
    for (Path file : sources()) {
      if (!file.getParent().getFileName().toString().equals("raft")) continue;
      Matcher m = forbidden.matcher(Files.readString(file));
      while (m.find()) violations.add(MAIN.relativize(file) + ": " + m.group());
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void theCheckSeesEveryKindOfViolation() {
    String fake = String.join("\n",
        "package raftkv.node;",
        "import raftkv.raft.RaftNode;", // below: fine
        "import raftkv.frontend.HttpAnswer;", // above
        "import raftkv.gateway.*;", // above, as a wildcard
        "import raftkv.server.Main;", // no layer at all
        "class Fake { raftkv.cli.Main main; }"); // above, qualified in code
    assertThat(violations("Fake.java", "node", fake)).containsExactly(
        "Fake.java uses raftkv.frontend", "Fake.java uses raftkv.gateway",
        "Fake.java uses raftkv.server, which is no layer", "Fake.java uses raftkv.cli");
  }

  private static List<Path> sources() throws IOException {
    try (Stream<Path> files = Files.walk(MAIN)) {
      return files.filter(f -> f.toString().endsWith(".java")).toList();
    }
  }
}
