package raftkv.storage;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A growable byte array that is reused between batches (unlike ByteArrayOutputStream's copy). */
final class ByteSink extends OutputStream {
  private byte[] bytes = new byte[8192];
  private int size;

  @Override
  public void write(int b) {
    ensureRoom(1);
    bytes[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensureRoom(len);
    System.arraycopy(b, off, bytes, size, len);
    size += len;
  }

  int size() {
    return size;
  }

  void reset() {
    size = 0;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(bytes, size);
  }

  /** A view of the bytes written so far; valid until the next write or reset. */
  ByteBuffer asByteBuffer() {
    return ByteBuffer.wrap(bytes, 0, size);
  }

  private void ensureRoom(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
