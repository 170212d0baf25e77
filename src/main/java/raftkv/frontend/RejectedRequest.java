package raftkv.frontend;

/**
 * A client request that cannot be served as it is (a bad key, a bad parameter, a key over the
 * limit), with the error answer to give. Thrown while parsing; nothing reaches the node.
 */
final class RejectedRequest extends RuntimeException {

  private final transient HttpAnswer answer;

  private RejectedRequest(HttpAnswer answer, String message) {
    super(message, null, false, false); // an expected outcome: no stack trace
    this.answer = answer;
  }

  /** 400: a malformed request. */
  static RejectedRequest badRequest(String message) {
    return new RejectedRequest(HttpAnswer.error(400, message), message);
  }

  /** 413: a key or value over the configured limit. */
  static RejectedRequest tooLarge(String message) {
    return new RejectedRequest(HttpAnswer.error(413, message), message);
  }

  HttpAnswer answer() {
    return answer;
  }
}
