package raftkv.storage;

/**
 * Options of a {@link FileRaftStorage}.
 *
 * @param segmentSizeBytes a segment file is closed and a new one started once it reaches this
 *     size; a batch is never split, so a segment may exceed it by one batch
 * @param repair when recovery finds damage before the end of the log, truncate the log at the
 *     first damaged record (dropping everything after it) instead of refusing to start
 */
public record StorageOptions(long segmentSizeBytes, boolean repair) {

  public static final long DEFAULT_SEGMENT_SIZE_BYTES = 64L << 20;

  public StorageOptions {
    if (segmentSizeBytes < 1) {
      throw new IllegalArgumentException("segmentSizeBytes must be >= 1: " + segmentSizeBytes);
    }
  }

  public static StorageOptions defaults() {
    return new StorageOptions(DEFAULT_SEGMENT_SIZE_BYTES, false);
  }

  public StorageOptions withSegmentSizeBytes(long bytes) {
    return new StorageOptions(bytes, repair);
  }

  public StorageOptions withRepair(boolean repair) {
    return new StorageOptions(segmentSizeBytes, repair);
  }
}
