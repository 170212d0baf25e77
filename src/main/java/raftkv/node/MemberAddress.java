package raftkv.node;

import raftkv.config.NodeConfig;
import raftkv.raft.Membership;

/**
 * Where a member is reached, as a configuration entry in the log records it for the core (which
 * never reads it): {@code host:raftPort:clientPort}. The ports are split off from the right, so
 * an IPv6 host keeps its colons.
 */
public record MemberAddress(String host, int raftPort, int clientPort) {

  public static MemberAddress of(NodeConfig.Member m) {
    return new MemberAddress(m.host(), m.raftPort(), m.clientPort());
  }

  /** The address in a configuration entry, or null for one that records none. */
  public static MemberAddress parse(String address) {
    int second = address.lastIndexOf(':');
    int first = second <= 0 ? -1 : address.lastIndexOf(':', second - 1);
    if (first <= 0) return null;
    try {
      return new MemberAddress(address.substring(0, first),
          Integer.parseInt(address.substring(first + 1, second)),
          Integer.parseInt(address.substring(second + 1)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public String format() {
    return host + ":" + raftPort + ":" + clientPort;
  }

  public NodeConfig.Member toMember(int id) {
    return new NodeConfig.Member(id, host, raftPort, clientPort);
  }

  /**
   * Member {@code id} as {@code membership} places it, or as the node's configuration file does
   * when the log recorded no address for it (a cluster bootstrapped before addresses were
   * recorded); null when neither knows it.
   */
  public static NodeConfig.Member resolve(int id, Membership membership, NodeConfig config) {
    Membership.Member m = membership.member(id);
    MemberAddress address = m == null ? null : parse(m.address());
    if (address != null) return address.toMember(id);
    return config.member(id).orElse(null);
  }
}
