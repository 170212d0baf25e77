package raftkv.storage;

/** A snapshot that is cut short, damaged, or not a snapshot at all. */
public final class CorruptSnapshotException extends RuntimeException {
  public CorruptSnapshotException(String message) {
    super(message);
  }
}
