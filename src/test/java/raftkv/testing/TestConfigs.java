package raftkv.testing;

import java.util.ArrayList;
import java.util.List;
import raftkv.config.NodeConfig.Member;
import raftkv.config.NodeConfig;

/** Configurations for tests: every member on 127.0.0.1, one token, the defaults otherwise. */
public final class TestConfigs {

  public static final String HOST = "127.0.0.1";
  public static final String TOKEN = "test-cluster-token";

  private TestConfigs() {}

  /** Node {@code nodeId} of {@code members}, with its data under {@code dataDir}. */
  public static NodeConfig.Builder node(int nodeId, List<Member> members, String dataDir) {
    return NodeConfig.builder().nodeId(nodeId).dataDir(dataDir).bindHost(HOST)
        .members(members).clusterToken(TOKEN);
  }

  /** A gateway in front of {@code members}, on any free port. */
  public static NodeConfig.Builder gateway(List<Member> members) {
    return NodeConfig.builder().nodeId(0).bindHost(HOST).members(members).clusterToken(TOKEN);
  }

  /** Members 1..n; member i + 1 takes Raft RPCs on raftPorts[i] and clients on clientPorts[i]. */
  public static List<Member> members(int[] raftPorts, int[] clientPorts) {
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < raftPorts.length; i++) {
      members.add(new Member(i + 1, HOST, raftPorts[i], clientPorts[i]));
    }
    return members;
  }
}
