package raftkv.storage;

import java.util.Arrays;

/** A growable list of primitive longs (record offsets: 8 bytes per entry, no boxing). */
final class LongList {
  private long[] values = new long[64];
  private int size;

  void add(long value) {
    if (size == values.length) values = Arrays.copyOf(values, size * 2);
    values[size++] = value;
  }

  long get(int i) {
    if (i < 0 || i >= size) throw new IndexOutOfBoundsException(i + " of " + size);
    return values[i];
  }

  int size() {
    return size;
  }

  /** Keeps the first {@code newSize} values. */
  void truncate(int newSize) {
    if (newSize < 0 || newSize > size) throw new IndexOutOfBoundsException(newSize + " of " + size);
    size = newSize;
  }
}
