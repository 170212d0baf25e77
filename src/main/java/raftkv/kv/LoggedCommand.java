package raftkv.kv;

import java.util.Objects;

/**
 * A command as the log holds it: the client's {@link KvCommand}, stamped by the leader that
 * proposed it ({@link CommandStamper}). The stamps make time deterministic: every node applies
 * the same entry with the same time, so every node forgets a request id at the same entry.
 *
 * <p>In the log's JSON: {@code "t"} and {@code "keep"} beside the command's own fields, for
 * example {@code {"op":"put","key":"a","value":"aGk=","id":"r-1","keep":600000,"t":1764460800000}};
 * both are left out when 0 (entries written before stamps existed have neither).
 *
 * <p>A clock entry ({@link #clock}, {@code {"op":"clock","t":...}}) carries only a time: a
 * leader proposes one when the log's clock must move and no command would move it (it refuses
 * new request ids because the table is full, and only forgetting old ones can make room).
 *
 * @param command the client's command; null for a clock entry
 * @param timeMs the proposing leader's clock, in milliseconds since the epoch; 0 if not stamped
 *     (a leader stamps its clock into a command only every so often)
 * @param keepIdMs how long the command's request id is remembered once applied; 0 when it has
 *     no id (or was written before stamps, see {@link RequestDedup#UNSTAMPED_KEEP_MS})
 */
public record LoggedCommand(KvCommand command, long timeMs, long keepIdMs) {

  public LoggedCommand {
    if (timeMs < 0 || keepIdMs < 0) throw new IllegalArgumentException("negative time stamp");
    if (command == null && (timeMs == 0 || keepIdMs > 0)) {
      throw new IllegalArgumentException("a clock entry carries a time and nothing else");
    }
    if (keepIdMs > 0 && command.requestId() == null) {
      throw new IllegalArgumentException("a retention needs a request id");
    }
  }

  /** An entry that only moves the log's clock to {@code timeMs}. */
  public static LoggedCommand clock(long timeMs) {
    return new LoggedCommand(null, timeMs, 0);
  }

  public boolean isClock() {
    return command == null;
  }

  /** The command stamped with {@code timeMs}, its id (if any) remembered for {@code keepIdMs}. */
  public static LoggedCommand stamp(KvCommand command, long timeMs, long keepIdMs) {
    Objects.requireNonNull(command, "command");
    return new LoggedCommand(command, timeMs, command.requestId() == null ? 0 : keepIdMs);
  }

  /** The JSON line that goes into the log entry. */
  public String encode() {
    return KvCommandCodec.encode(this);
  }

  /**
   * @throws IllegalArgumentException when {@code json} is not a well-formed command
   */
  public static LoggedCommand decode(String json) {
    return KvCommandCodec.decodeLogged(json);
  }
}
