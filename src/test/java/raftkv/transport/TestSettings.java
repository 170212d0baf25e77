package raftkv.transport;

import java.util.ArrayList;
import java.util.List;

/** Transport settings for tests: every member on 127.0.0.1, one token. */
final class TestSettings {

  static final String TOKEN = "s3cret-cluster-token";

  private TestSettings() {}

  /** Node {@code nodeId} of a cluster whose member i + 1 listens for Raft on raftPorts[i]. */
  static TransportSettings node(int nodeId, TransportOptions options, int... raftPorts) {
    List<TransportSettings.Peer> peers = new ArrayList<>();
    for (int i = 0; i < raftPorts.length; i++) {
      if (i + 1 != nodeId) peers.add(new TransportSettings.Peer(i + 1, "127.0.0.1", raftPorts[i]));
    }
    return new TransportSettings(nodeId, "127.0.0.1", raftPorts[nodeId - 1], peers, TOKEN,
        options);
  }
}
