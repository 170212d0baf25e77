package raftkv.check;

/**
 * What the key-value store answered. {@code value} is what a {@link KvInput.Get} read ({@code
 * null} when the key is absent); {@code ok} says whether a {@link KvInput.Cas} swapped. Put and
 * Delete always succeed, so their answer carries nothing: use {@link #OK}.
 */
public record KvOutput(String value, boolean ok) {

  /** The answer to a Put, a Delete or a Cas that swapped. */
  public static final KvOutput OK = new KvOutput(null, true);

  /** The answer to a Cas whose compare failed. */
  public static final KvOutput FAILED = new KvOutput(null, false);

  /** The answer to a Get that read {@code value}; {@code null} when the key was absent. */
  public static KvOutput read(String value) {
    return new KvOutput(value, true);
  }

  /** The answer to a Cas: whether it swapped. */
  public static KvOutput swapped(boolean swapped) {
    return swapped ? OK : FAILED;
  }

}
