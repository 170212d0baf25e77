package raftkv.transport;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.buffer.Buffer;
import raftkv.raft.AppendEntries;
import raftkv.raft.Entry;
import raftkv.raft.Message;

/**
 * The codec of the Raft RPC: a {@link Batch} to and from the JSON body of one HTTP request (the
 * format is described in {@link WireFormat}).
 *
 * <p>It uses a Jackson factory of its own, never Vert.x's shared {@code DatabindCodec} mapper,
 * and only its streaming API: the messages are simple enough to write and read field by field,
 * which is faster than data binding and lets the reader validate everything in one pass.
 */
public final class RaftJson {

  /** JSON fields and punctuation around each entry's index, term and command, roughly. */
  private static final int ENTRY_OVERHEAD_BYTES = 64;
  private static final int MESSAGE_OVERHEAD_BYTES = 192;

  static final JsonFactory FACTORY = JsonFactory.builder()
      // Jackson refuses strings over 20 M chars by default; the body limit bounds them instead
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength(Integer.MAX_VALUE).build())
      .build();

  private RaftJson() {}

  /** The batch as a request body. Never fails for a valid batch. */
  public static Buffer encode(Batch batch) {
    return BatchWriter.write(batch);
  }

  /**
   * The batch in a request body.
   *
   * @throws MalformedRpcException for anything but a well-formed batch (and never anything else)
   */
  public static Batch decode(Buffer body) throws MalformedRpcException {
    if (body == null || body.length() == 0) throw new MalformedRpcException("the body is empty");
    return BatchReader.read(body.getBytes());
  }

  /** As {@link #decode(Buffer)}. */
  public static Batch decode(byte[] body) throws MalformedRpcException {
    if (body == null || body.length == 0) throw new MalformedRpcException("the body is empty");
    return BatchReader.read(body);
  }

  /**
   * About how many bytes the message takes on the wire, for batching and queue limits. Commands
   * are counted in chars, so mostly-ASCII commands are estimated well and others underestimated.
   */
  public static long sizeEstimate(Message m) {
    long bytes = MESSAGE_OVERHEAD_BYTES;
    if (m instanceof AppendEntries a) {
      for (Entry e : a.entries()) bytes += ENTRY_OVERHEAD_BYTES + e.command().length();
    }
    return bytes;
  }
}
