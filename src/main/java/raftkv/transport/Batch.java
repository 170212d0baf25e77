package raftkv.transport;

import java.util.List;
import raftkv.raft.Message;

/**
 * The unit the transport sends: messages from one node to one other node, carried in one HTTP
 * request. Every message's {@code from} and {@code to} equal the batch's.
 */
public record Batch(int from, int to, List<Message> messages) {

  public Batch {
    messages = List.copyOf(messages);
    if (messages.isEmpty()) throw new IllegalArgumentException("a batch needs at least one message");
    for (Message m : messages) {
      if (m.from() != from || m.to() != to) {
        throw new IllegalArgumentException("message " + m + " does not belong in a batch from "
            + from + " to " + to);
      }
    }
  }

  /** A batch of messages that share their sender and receiver (taken from the first one). */
  public static Batch of(List<? extends Message> messages) {
    if (messages.isEmpty()) throw new IllegalArgumentException("a batch needs at least one message");
    Message first = messages.get(0);
    return new Batch(first.from(), first.to(), List.copyOf(messages));
  }
}
