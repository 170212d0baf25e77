package raftkv.transport;

import java.util.ArrayList;
import java.util.List;
import raftkv.server.NodeConfig;

/** Node configurations for transport tests: every member on 127.0.0.1. */
final class TestConfigs {

  static final String TOKEN = "s3cret-cluster-token";

  private TestConfigs() {}

  /** Node {@code nodeId} of a cluster whose member i + 1 listens for Raft on raftPorts[i]. */
  static NodeConfig node(int nodeId, int... raftPorts) {
    List<NodeConfig.Member> members = new ArrayList<>();
    for (int i = 0; i < raftPorts.length; i++) {
      members.add(new NodeConfig.Member(i + 1, "127.0.0.1", raftPorts[i], 0));
    }
    return new NodeConfig(nodeId, "unused", "127.0.0.1", 0, members, TOKEN, 50, 10, 2,
        new NodeConfig.Limits(1024, 1 << 20, 100, 1_000), NodeConfig.Tuning.DEFAULTS,
        NodeConfig.RequestIds.DEFAULTS);
  }
}
