package raftkv.check;

/** What the linearizability checker concluded about a history. */
public enum Verdict {
  /** The history is linearizable. */
  OK,
  /** The history is not linearizable: no order of its operations fits the model. */
  ILLEGAL,
  /** The checker ran out of time before it could decide. */
  UNKNOWN
}
