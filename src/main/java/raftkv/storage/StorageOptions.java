package raftkv.storage;

/**
 * Options of a {@link FileRaftStorage}.
 *
 * @param segmentSizeBytes a segment file is closed and a new one started once it reaches this
 *     size; a batch is never split, so a segment may exceed it by one batch. At most 1 GiB:
 *     recovery reads a segment into one byte array
 * @param repair when recovery finds damage before the end of the log, truncate the log at the
 *     first damaged record (dropping everything after it) instead of refusing to start
 */
public record StorageOptions(long segmentSizeBytes, boolean repair) {

  public static final long DEFAULT_SEGMENT_SIZE_BYTES = 64L << 20;
  public static final long MAX_SEGMENT_SIZE_BYTES = 1L << 30;

  public StorageOptions {
    if (segmentSizeBytes < 1 || segmentSizeBytes > MAX_SEGMENT_SIZE_BYTES) {
      throw new IllegalArgumentException("segmentSizeBytes must be in 1.." + MAX_SEGMENT_SIZE_BYTES
          + ": " + segmentSizeBytes);
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
