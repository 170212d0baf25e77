package raftkv.bench;

import java.util.OptionalLong;

/**
 * CPU time used between {@link #open} and {@link #close} by a server process (when its pid is
 * known) and by this JVM, the load generator: the second says whether the client, sharing the
 * machine's cores, may have been the bottleneck.
 */
final class CpuWindow {

  private final Long serverPid;
  private final int ticksPerSecond;
  private OptionalLong serverStart = OptionalLong.empty();
  private OptionalLong clientStart = OptionalLong.empty();
  private long wallStart;
  private double serverMs = Double.NaN;
  private double clientMs = Double.NaN;
  private double wallMs = Double.NaN;

  /** {@code serverPid} null: only this JVM is measured. */
  CpuWindow(Long serverPid, int ticksPerSecond) {
    this.serverPid = serverPid;
    this.ticksPerSecond = ticksPerSecond;
  }

  void open() {
    wallStart = System.nanoTime();
    if (serverPid != null) serverStart = ProcCpu.ticks(serverPid);
    clientStart = ProcCpu.ticks(ProcessHandle.current().pid());
  }

  void close() {
    wallMs = (System.nanoTime() - wallStart) / 1e6;
    if (serverPid != null) serverMs = since(serverStart, ProcCpu.ticks(serverPid));
    clientMs = since(clientStart, ProcCpu.ticks(ProcessHandle.current().pid()));
  }

  private double since(OptionalLong start, OptionalLong end) {
    return start.isPresent() && end.isPresent()
        ? ProcCpu.millis(end.getAsLong() - start.getAsLong(), ticksPerSecond) : Double.NaN;
  }

  /** The server's CPU milliseconds in the window; NaN when unknown (no pid, no /proc). */
  double serverMs() {
    return serverMs;
  }

  double clientMs() {
    return clientMs;
  }

  /** CPU time over wall time, in % of one core; NaN when unknown. */
  double serverPercent() {
    return serverMs / wallMs * 100;
  }

  double clientPercent() {
    return clientMs / wallMs * 100;
  }

  Long serverPid() {
    return serverPid;
  }
}
