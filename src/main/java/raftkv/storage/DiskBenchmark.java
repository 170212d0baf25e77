package raftkv.storage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import raftkv.raft.Entry;

/**
 * How fast a disk takes the log: the latency of one small write and fdatasync (what every vote
 * and every acknowledged write waits for), and how fast {@link FileRaftStorage} appends with an
 * fsync per batch, for batches of 1, 16 and 256 entries of 100-byte commands. Cells alternate
 * round by round and the table shows medians, because a shared machine is noisy. The data goes
 * to a temporary directory that is deleted at the end.
 */
public final class DiskBenchmark {

  private static final int[] BATCH_SIZES = {1, 16, 256};
  private static final int COMMAND_BYTES = 100;
  private static final String COMMAND = "x".repeat(COMMAND_BYTES);

  /** One measurement: entries and fsyncs per second. */
  private record Rate(double entriesPerSecond, double fsyncsPerSecond) {}

  /**
   * What the disk did.
   *
   * @param fsyncP50Ms median latency of a 100-byte write + fdatasync
   * @param fsyncP99Ms its 99th percentile
   * @param fsyncMaxMs the slowest one seen
   * @param fsyncsPerSecond the median rate of the raw fsync loop
   * @param entriesPerSecondByBatch the median log append rate for batches of 1, 16 and 256
   */
  public record Result(double fsyncP50Ms, double fsyncP99Ms, double fsyncMaxMs,
      double fsyncsPerSecond, double[] entriesPerSecondByBatch) {}

  private final Path base;
  private final long nanosPerCell;
  private final PrintStream out;
  private final Histogram fsyncNanos = new Histogram(3_600_000_000_000L, 3);
  private int cellNumber;

  private DiskBenchmark(Path base, double secondsPerCell, PrintStream out) {
    this.base = base;
    this.nanosPerCell = (long) (secondsPerCell * 1e9);
    this.out = out;
  }

  /**
   * Measures the disk under {@code parent} (or under its nearest existing ancestor, so that
   * nothing is left behind), printing a line per cell and the table to {@code out}.
   */
  public static Result run(Path parent, double secondsPerCell, int rounds, PrintStream out)
      throws IOException {
    Path base = Files.createTempDirectory(existingAncestor(parent), "disk-bench");
    out.printf("disk benchmark in %s: %d rounds, %.1f s per cell, %d-byte commands%n", base,
        rounds, secondsPerCell, COMMAND_BYTES);
    try {
      return new DiskBenchmark(base, secondsPerCell, out).run(rounds);
    } finally {
      deleteRecursively(base);
    }
  }

  /** The directory itself, or the nearest one above it that exists (it may not be made yet). */
  private static Path existingAncestor(Path dir) {
    Path p = dir.toAbsolutePath();
    while (p != null && !Files.isDirectory(p)) p = p.getParent();
    return p == null ? dir : p;
  }

  private Result run(int rounds) throws IOException {
    new DiskBenchmark(base, 0.5, out).batchCell(256); // warm-up: JIT the encoder, not measured
    List<List<Rate>> results = new ArrayList<>(); // [cell][round]; cell 0 is the raw fsync
    for (int cell = 0; cell <= BATCH_SIZES.length; cell++) results.add(new ArrayList<>());
    for (int round = 1; round <= rounds; round++) {
      Rate raw = rawFsyncCell();
      results.get(0).add(raw);
      out.printf("round %d/%d  raw fsync  %,12.0f fsyncs/s%n", round, rounds,
          raw.fsyncsPerSecond());
      for (int i = 0; i < BATCH_SIZES.length; i++) {
        Rate rate = batchCell(BATCH_SIZES[i]);
        results.get(i + 1).add(rate);
        out.printf("round %d/%d  batch %4d %,12.0f entries/s %,10.0f fsyncs/s%n", round,
            rounds, BATCH_SIZES[i], rate.entriesPerSecond(), rate.fsyncsPerSecond());
      }
    }
    printTable(results);
    double[] entries = new double[BATCH_SIZES.length];
    for (int i = 0; i < entries.length; i++) {
      entries[i] = median(results.get(i + 1), Rate::entriesPerSecond);
    }
    return new Result(fsyncNanos.getValueAtPercentile(50) / 1e6,
        fsyncNanos.getValueAtPercentile(99) / 1e6, fsyncNanos.getMaxValue() / 1e6,
        median(results.get(0), Rate::fsyncsPerSecond), entries);
  }

  /** A loop of 100-byte positional writes, each followed by force(false) (fdatasync). */
  private Rate rawFsyncCell() throws IOException {
    Path file = newCellDir().resolve("raw");
    ByteBuffer record = ByteBuffer.wrap(COMMAND.getBytes());
    long fsyncs = 0;
    long start = System.nanoTime();
    long elapsed;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      long position = 0;
      do {
        long before = System.nanoTime();
        record.rewind();
        position += ch.write(record, position);
        ch.force(false);
        fsyncNanos.recordValue(
            Math.min(System.nanoTime() - before, fsyncNanos.getHighestTrackableValue()));
        fsyncs++;
        elapsed = System.nanoTime() - start;
      } while (elapsed < nanosPerCell);
    }
    deleteRecursively(file.getParent());
    return new Rate(fsyncs * 1e9 / elapsed, fsyncs * 1e9 / elapsed);
  }

  /** FileRaftStorage: append(batch) + sync() in a loop. */
  private Rate batchCell(int batchSize) throws IOException {
    Path dir = newCellDir();
    long batches = 0;
    long start = System.nanoTime();
    long elapsed;
    try (FileRaftStorage storage = FileRaftStorage.open(dir, StorageOptions.defaults())) {
      storage.load();
      long next = 1;
      do {
        List<Entry> batch = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) batch.add(new Entry(next++, 1, COMMAND));
        storage.append(batch);
        storage.sync();
        batches++;
        elapsed = System.nanoTime() - start;
      } while (elapsed < nanosPerCell);
    }
    deleteRecursively(dir);
    return new Rate(batches * batchSize * 1e9 / elapsed, batches * 1e9 / elapsed);
  }

  private void printTable(List<List<Rate>> results) {
    double raw = median(results.get(0), Rate::fsyncsPerSecond);
    out.printf("%nmedians of %d rounds%n", results.get(0).size());
    out.printf("raw fsync (100-byte write + fdatasync): %,.0f fsyncs/s, latency p50 %.2f ms,"
        + " p99 %.2f ms, max %.2f ms%n%n", raw, fsyncNanos.getValueAtPercentile(50) / 1e6,
        fsyncNanos.getValueAtPercentile(99) / 1e6, fsyncNanos.getMaxValue() / 1e6);
    out.printf("%6s %14s %11s %12s %13s%n", "batch", "entries/s", "fsyncs/s", "vs batch 1",
        "fsyncs/raw");
    for (int i = 0; i < BATCH_SIZES.length; i++) {
      List<Rate> cell = results.get(i + 1);
      double entries = median(cell, Rate::entriesPerSecond);
      double fsyncs = median(cell, Rate::fsyncsPerSecond);
      out.printf("%6d %,14.0f %,11.0f %11.1fx %12.0f%%%n", BATCH_SIZES[i], entries, fsyncs,
          medianRatio(cell, results.get(1)), 100 * fsyncs / raw);
    }
    out.println("(vs batch 1: the median of the ratios within each round, which the"
        + " machine's load drifting between rounds does not skew)");
  }

  private static double median(List<Rate> rates, ToDoubleFunction<Rate> f) {
    return median(rates.stream().mapToDouble(f).toArray());
  }

  private static double medianRatio(List<Rate> cell, List<Rate> batchOne) {
    double[] ratios = new double[cell.size()];
    for (int round = 0; round < ratios.length; round++) {
      ratios[round] = cell.get(round).entriesPerSecond() / batchOne.get(round).entriesPerSecond();
    }
    return median(ratios);
  }

  private static double median(double[] unsorted) {
    double[] values = unsorted.clone();
    Arrays.sort(values);
    int mid = values.length / 2;
    return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }

  private Path newCellDir() throws IOException {
    return Files.createDirectory(base.resolve("cell-" + cellNumber++));
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) return;
    try (Stream<Path> paths = Files.walk(path)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
