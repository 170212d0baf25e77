package raftkv.cli;

/**
 * A failure that ends a {@code raftkv kv} or {@code raftkv cluster} command: its message goes to
 * stderr, its code becomes the exit status. Every exit status of these commands is defined here.
 */
final class ClientError extends RuntimeException {

  static final int OK = 0;
  static final int NOT_FOUND = 1;
  /** Picocli's own status for bad arguments, kept for ours. */
  static final int USAGE = 2;
  static final int COMPARE_FAILED = 3;
  static final int UNAVAILABLE = 4;
  static final int REFUSED = 5;

  /** The help footer of {@code kv} and {@code cluster}; %n is picocli's line break. */
  static final String EXIT_STATUSES = "%nExit status:"
      + "%n  0  success"
      + "%n  1  the key does not exist (kv get)"
      + "%n  2  bad arguments"
      + "%n  3  comparison failed: the key is not at --prev-revision"
      + "%n  4  unavailable: no endpoint served the request within --timeout; a write"
      + "%n     whose answer never came may or may not have been applied"
      + "%n  5  refused by the server: bad request, no such member, not now, too large"
      + "%nErrors go to stderr, on lines that start with 'raftkv: '.";

  final int exitCode;

  ClientError(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  static ClientError unavailable(String message) {
    return new ClientError(UNAVAILABLE, message);
  }

  static ClientError refused(String message) {
    return new ClientError(REFUSED, message);
  }
}
