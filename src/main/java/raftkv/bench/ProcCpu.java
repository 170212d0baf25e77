package raftkv.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The CPU time a process has used so far, from Linux's {@code /proc/PID/stat}: user plus system
 * time, in clock ticks ({@code getconf CLK_TCK}, 100 on common kernels). Read before and after a
 * run, the difference is what the server spent on it, the load tester not counted.
 */
final class ProcCpu {

  private ProcCpu() {}

  /** utime + stime of {@code pid}, in clock ticks; empty when it cannot be read. */
  static OptionalLong ticks(long pid) {
    try {
      return OptionalLong.of(parseTicks(Files.readString(Path.of("/proc/" + pid + "/stat"))));
    } catch (IOException | IllegalArgumentException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * utime + stime from the text of {@code /proc/PID/stat}: "PID (NAME) STATE ..." where NAME may
   * hold spaces and parentheses, so fields are counted from the last ')'. utime and stime are
   * fields 14 and 15 of proc(5); after the ')' the first field is the state, field 3.
   */
  static long parseTicks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) throw new IllegalArgumentException("not a /proc/PID/stat line: " + stat);
    String[] fields = stat.substring(close + 1).trim().split("\\s+");
    if (fields.length < 13) throw new IllegalArgumentException("too few fields: " + stat);
    return Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
  }

  /** {@code ticks} in milliseconds, at {@code ticksPerSecond}. */
  static double millis(long ticks, int ticksPerSecond) {
    return ticks * 1000.0 / ticksPerSecond;
  }
}
