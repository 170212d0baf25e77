package raftkv.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Runs {@code ./cluster.sh} for a process-level test, on the jar this build made. */
final class ClusterSh {

  private ClusterSh() {}

  static String run(Path data, int basePort, String... args)
      throws IOException, InterruptedException {
    return runWith(data, basePort, "", args);
  }

  /**
   * Runs {@code cluster.sh args} with its data under {@code data}, its ports from {@code
   * basePort}, and {@code nodeArgs} for every node; returns what it printed, or fails with it and
   * the tail of every log.
   */
  static String runWith(Path data, int basePort, String nodeArgs, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of("cluster.sh").toAbsolutePath().toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("RAFTKV_DATA", data.toString());
    pb.environment().put("RAFTKV_BASE_PORT", Integer.toString(basePort));
    pb.environment().put("RAFTKV_JAVA_OPTS", "-Xmx256m");
    pb.environment().put("RAFTKV_NO_REBUILD", "1"); // test the jar this build made
    pb.environment().put("RAFTKV_NODE_ARGS", nodeArgs);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    int code = p.waitFor();
    if (code != 0) {
      String logs = "";
      Path logDir = data.resolve("logs");
      if (Files.isDirectory(logDir)) {
        try (var files = Files.list(logDir)) {
          logs = files.map(f -> f.getFileName() + ":\n" + tail(f))
              .collect(Collectors.joining("\n"));
        }
      }
      throw new AssertionError("cluster.sh " + String.join(" ", args) + " failed (" + code
          + "):\n" + out + "\n" + logs);
    }
    return out;
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return e.toString();
    }
  }
}
