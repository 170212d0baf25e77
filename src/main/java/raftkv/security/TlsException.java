package raftkv.security;

/** TLS files that cannot be used, with what is wrong and what to do. */
public final class TlsException extends Exception {
  public TlsException(String message) {
    super(message);
  }
}
