package raftkv.node;

/**
 * Why a node did not serve its front end's request. What a client may conclude differs, so each
 * reason is its own type (docs/API.md: 503 means nothing was written, 504 that a write may or may
 * not be committed), and the front end chooses the answer by type, never by parsing a message.
 *
 * <p>An expected outcome, so it carries no stack trace.
 */
public abstract sealed class NodeFailure extends Exception permits NodeFailure.NotLeader,
    NodeFailure.Unavailable, NodeFailure.OutcomeUnknown, NodeFailure.Overloaded,
    NodeFailure.Refused {

  private NodeFailure(String message) {
    super(message, null, false, false);
  }

  /** This node does not lead: nothing was done. Ask {@link #leader()}, if one is known. */
  public static final class NotLeader extends NodeFailure {
    private final LeaderHint leader;

    public NotLeader(LeaderHint leader) {
      super("this node does not lead; " + leader);
      this.leader = leader;
    }

    public LeaderHint leader() {
      return leader;
    }
  }

  /**
   * No leader is reachable, or the node is starting, shutting down or halted, or a write was
   * overtaken by another leader's entry: nothing was written (503).
   */
  public static final class Unavailable extends NodeFailure {
    public Unavailable(String why) {
      super(why);
    }
  }

  /**
   * The write may or may not commit: leadership was lost or the node stopped while it was in
   * flight, or the node did not answer in time (504). The message says only the cause; the
   * front end adds what the client may do.
   */
  public static final class OutcomeUnknown extends NodeFailure {
    public OutcomeUnknown(String why) {
      super(why);
    }
  }

  /** The node refuses new work for now; nothing was written (429). */
  public static final class Overloaded extends NodeFailure {
    public Overloaded(String why) {
      super(why);
    }
  }

  /**
   * A membership request that cannot be made as asked: 409 (not now: another change is under
   * way, the learner lags), 400 (never as asked) or 404 (no such member). Nothing was written.
   */
  public static final class Refused extends NodeFailure {
    public static final int CONFLICT = 409;
    public static final int BAD_REQUEST = 400;
    public static final int NOT_FOUND = 404;

    private final int status;

    public Refused(int status, String why) {
      super(why);
      this.status = status;
    }

    public static Refused conflict(String why) {
      return new Refused(CONFLICT, why);
    }

    public static Refused badRequest(String why) {
      return new Refused(BAD_REQUEST, why);
    }

    public static Refused notFound(String why) {
      return new Refused(NOT_FOUND, why);
    }

    /** The HTTP status the client gets. */
    public int status() {
      return status;
    }
  }
}
