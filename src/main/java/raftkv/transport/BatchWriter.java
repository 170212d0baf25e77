package raftkv.transport;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.OutputStream;
import raftkv.raft.AppendEntries;
import raftkv.raft.AppendEntriesResponse;
import raftkv.raft.Entry;
import raftkv.raft.Message;
import raftkv.raft.RequestVote;
import raftkv.raft.RequestVoteResponse;
import raftkv.raft.TimeoutNow;
import raftkv.transport.WireFormat.Field;
import raftkv.transport.WireFormat.Type;

/**
 * Writes a {@link Batch} as the JSON of {@link WireFormat}. This is the replication hot path, so
 * a streaming generator writes the fields straight into the request's buffer: no tree, no
 * reflection, no intermediate strings.
 */
final class BatchWriter {

  private final JsonGenerator out;

  private BatchWriter(JsonGenerator out) {
    this.out = out;
  }

  static Buffer write(Batch batch) {
    Buffer body = Buffer.buffer(sizeHint(batch));
    try (JsonGenerator generator = RaftJson.FACTORY.createGenerator(new BufferOutput(body))) {
      new BatchWriter(generator).writeBatch(batch);
    } catch (IOException e) {
      // Writing into memory has no I/O to fail; Jackson would only refuse a broken generator.
      throw new IllegalStateException("cannot encode a batch of Raft messages", e);
    }
    return body;
  }

  /** A first guess at the encoded size, so that the buffer rarely grows. */
  static int sizeHint(Batch batch) {
    long bytes = 64;
    for (Message m : batch.messages()) bytes += RaftJson.sizeEstimate(m);
    return (int) Math.min(bytes, 64L << 20);
  }

  private void writeBatch(Batch batch) throws IOException {
    out.writeStartObject();
    out.writeFieldName(WireFormat.ENVELOPE_FROM);
    out.writeNumber(batch.from());
    out.writeFieldName(WireFormat.ENVELOPE_TO);
    out.writeNumber(batch.to());
    out.writeFieldName(WireFormat.MESSAGES);
    out.writeStartArray();
    for (Message m : batch.messages()) writeMessage(m);
    out.writeEndArray();
    out.writeEndObject();
  }

  // The envelope names sender and receiver, so the messages do not repeat them.
  private void writeMessage(Message m) throws IOException {
    out.writeStartObject();
    if (m instanceof RequestVote v) {
      type(Type.VOTE);
      number(Field.TERM, v.term());
      number(Field.LAST_LOG_INDEX, v.lastLogIndex());
      number(Field.LAST_LOG_TERM, v.lastLogTerm());
      bool(Field.PRE_VOTE, v.preVote());
      if (v.transfer()) bool(Field.TRANSFER, true);
    } else if (m instanceof TimeoutNow t) {
      type(Type.TIMEOUT_NOW);
      number(Field.TERM, t.term());
    } else if (m instanceof RequestVoteResponse r) {
      type(Type.VOTE_RESPONSE);
      number(Field.TERM, r.term());
      bool(Field.GRANTED, r.granted());
      bool(Field.PRE_VOTE, r.preVote());
    } else if (m instanceof AppendEntries a) {
      type(Type.APPEND);
      number(Field.TERM, a.term());
      number(Field.PREV_LOG_INDEX, a.prevLogIndex());
      number(Field.PREV_LOG_TERM, a.prevLogTerm());
      number(Field.LEADER_COMMIT, a.leaderCommit());
      number(Field.READ_SEQ, a.readSeq());
      writeEntries(a);
    } else if (m instanceof AppendEntriesResponse r) {
      type(Type.APPEND_RESPONSE);
      number(Field.TERM, r.term());
      bool(Field.SUCCESS, r.success());
      number(Field.MATCH_INDEX, r.matchIndex());
      number(Field.REJECTED_INDEX, r.rejectedIndex());
      number(Field.CONFLICT_INDEX, r.conflictIndex());
      number(Field.CONFLICT_TERM, r.conflictTerm());
      number(Field.READ_SEQ, r.readSeq());
    }
    out.writeEndObject();
  }

  private void writeEntries(AppendEntries a) throws IOException {
    out.writeFieldName(Field.ENTRIES.serialized);
    out.writeStartArray();
    for (Entry e : a.entries()) {
      out.writeStartObject();
      out.writeFieldName(WireFormat.ENTRY_INDEX);
      out.writeNumber(e.index());
      out.writeFieldName(WireFormat.ENTRY_TERM);
      out.writeNumber(e.term());
      out.writeFieldName(WireFormat.ENTRY_COMMAND);
      out.writeString(e.command());
      out.writeEndObject();
    }
    out.writeEndArray();
  }

  private void type(Type type) throws IOException {
    out.writeFieldName(Field.TYPE.serialized);
    out.writeString(type.serialized);
  }

  private void number(Field field, long value) throws IOException {
    out.writeFieldName(field.serialized);
    out.writeNumber(value);
  }

  private void bool(Field field, boolean value) throws IOException {
    out.writeFieldName(field.serialized);
    out.writeBoolean(value);
  }

  /** Lets the generator flush its internal buffer straight into a Vert.x buffer. */
  private static final class BufferOutput extends OutputStream {
    private final Buffer buffer;

    BufferOutput(Buffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public void write(int b) {
      buffer.appendByte((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      buffer.appendBytes(bytes, offset, length);
    }
  }
}
