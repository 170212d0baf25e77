package raftkv.sim;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import raftkv.raft.InstallSnapshot;

/**
 * Carries snapshot content beside its InstallSnapshot message in the simulation: the sender
 * puts the bytes here and sends the message through the faulty network; the receiver takes them
 * when (if) the message arrives. The sender asks later whether it arrived, as a real sender
 * learns it from the answer to its last piece.
 */
final class SnapshotWire {

  private final Map<InstallSnapshot, byte[]> inFlight = new HashMap<>();
  private final Set<InstallSnapshot> arrived = new HashSet<>();

  void put(InstallSnapshot message, byte[] content) {
    inFlight.put(message, content);
    arrived.remove(message);
  }

  /** The content for a message that arrived (a duplicate finds it too), or null. */
  byte[] take(InstallSnapshot message) {
    byte[] content = inFlight.get(message);
    if (content != null) arrived.add(message);
    return content;
  }

  boolean arrived(InstallSnapshot message) {
    return arrived.contains(message);
  }
}
