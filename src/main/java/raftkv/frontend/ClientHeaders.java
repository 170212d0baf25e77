package raftkv.frontend;

/** The HTTP headers of the client API that the front end reads or writes. */
final class ClientHeaders {

  /** A write's client-chosen id: a retry with the same id is applied at most once. */
  static final String REQUEST_ID = "X-Request-Id";

  /** On a read: the key's modification revision. */
  static final String REVISION = "X-Revision";

  /**
   * On a read or a listing: the index of the log the answering node had applied. A stale read
   * may lag the leader; this says how far (compare with the leader's commit index).
   */
  static final String APPLIED_INDEX = "X-Applied-Index";

  /**
   * How long the write's request id is to be remembered, in ms, when shorter than the node's
   * {@code requestIds.retentionMs}: set by a gateway on the ids it makes up for writes that came
   * without one (it retries only within the request's deadline). A longer value is ignored.
   */
  static final String REQUEST_ID_RETENTION = "X-Raftkv-Request-Id-Retention-Ms";

  /** On a listing: {@code true} when more keys with the prefix exist beyond the limit. */
  static final String MORE_KEYS = "X-More-Keys";

  /**
   * Set by a node's front end on a request it forwards to the leader, with its own node id. A
   * front end that gets a marked request but whose node does not lead answers 503 instead of
   * forwarding again, so a request never bounces between nodes that disagree about the leader.
   */
  static final String FORWARDED_BY = "X-Raftkv-Forwarded";

  /**
   * On a listing cut short: the last key listed, percent-encoded, to send as {@code after=} for
   * the next page.
   */
  static final String NEXT_AFTER = "X-Next-After";

  static final String CONTENT_TYPE = "content-type";

  /** The longest request id accepted, in characters. */
  static final int MAX_REQUEST_ID_LENGTH = 256;

  private ClientHeaders() {}
}
