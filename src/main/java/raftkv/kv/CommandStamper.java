package raftkv.kv;

/**
 * How a leader stamps the commands it proposes ({@link LoggedCommand}). A command with a request
 * id always carries the leader's clock and how long the id is to be remembered: its expiry rests
 * on that time. Other commands carry the clock now and then, at least every {@link
 * #INTERVAL_MS}, so the log's clock (which moves only with stamps, and expires ids) lags the
 * leader's by little while commands flow; stamping every command would add the time to every
 * entry written, sent and parsed on every node.
 *
 * <p>One per leader; not thread-safe.
 */
public final class CommandStamper {

  /** The longest a leader goes without stamping its clock into a command it proposes. */
  public static final long INTERVAL_MS = 100;

  private boolean stamped;
  private long lastStampMs;

  /**
   * The command as it goes into the log: stamped with {@code nowMs} if it has a request id (kept
   * for {@code keepIdMs}) or the last stamp is {@link #INTERVAL_MS} old (or the clock went back).
   */
  public LoggedCommand stamp(KvCommand command, long nowMs, long keepIdMs) {
    boolean due = command.requestId() != null || isDue(nowMs);
    if (due) recordStamp(nowMs);
    return LoggedCommand.stamp(command, due ? nowMs : 0, keepIdMs);
  }

  /**
   * A clock entry for {@code nowMs} if the last stamp is {@link #INTERVAL_MS} old, else null:
   * for a leader that needs the log's clock to move while it proposes nothing that would.
   */
  public LoggedCommand clockIfDue(long nowMs) {
    if (!isDue(nowMs)) return null;
    recordStamp(nowMs);
    return LoggedCommand.clock(nowMs);
  }

  private boolean isDue(long nowMs) {
    return !stamped || nowMs - lastStampMs >= INTERVAL_MS || nowMs < lastStampMs;
  }

  private void recordStamp(long nowMs) {
    stamped = true;
    lastStampMs = nowMs;
  }
}
