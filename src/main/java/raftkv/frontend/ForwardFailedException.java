package raftkv.frontend;

/**
 * A forwarded request that got no answer. What the client may be told depends on whether the
 * request may have reached the other front end: if it certainly did not (the connection was
 * refused or never made), nothing was written (503); if it may have, a write's fate is unknown
 * (504).
 */
public final class ForwardFailedException extends Exception {

  private final boolean mayHaveArrived;

  ForwardFailedException(boolean mayHaveArrived, String message) {
    super(message, null, false, false); // an expected outcome: no stack trace
    this.mayHaveArrived = mayHaveArrived;
  }

  public boolean mayHaveArrived() {
    return mayHaveArrived;
  }
}
