package raftkv.check;

import java.util.Objects;

/**
 * The outcome of a linearizability check: the verdict and, for people, why. For {@link
 * Verdict#ILLEGAL} the explanation names the part of the history that failed (for a key-value
 * store, the key), the longest linearizable prefix found, and the operation that could not be
 * placed after it.
 */
public record CheckResult(Verdict verdict, String explanation) {

  public CheckResult {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(explanation, "explanation");
  }

  public boolean isLinearizable() {
    return verdict == Verdict.OK;
  }

  @Override
  public String toString() {
    return verdict + ": " + explanation;
  }
}
