package raftkv.transport;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who this node is on the Raft port and whom it talks to: all the transport needs to know of the
 * cluster. The node builds it from its configuration.
 *
 * @param nodeId this node's id
 * @param bindHost the address the Raft server listens on
 * @param port the Raft port to listen on (0: any free port)
 * @param peers every other member and the address it takes Raft RPCs at
 * @param clusterToken the shared secret every Raft RPC carries, both ways
 * @param options limits and timeouts
 */
public record TransportSettings(
    int nodeId,
    String bindHost,
    int port,
    List<Peer> peers,
    String clusterToken,
    TransportOptions options) {

  /** A peer and the address it is dialled at (a proxy may sit there). */
  public record Peer(int id, String host, int port) {}

  public TransportSettings {
    peers = List.copyOf(peers);
    if (peers.stream().anyMatch(p -> p.id() == nodeId)) {
      throw new IllegalArgumentException("node " + nodeId + " cannot be its own peer");
    }
  }

  public Set<Integer> peerIds() {
    Set<Integer> ids = new TreeSet<>();
    for (Peer p : peers) ids.add(p.id());
    return ids;
  }
}
