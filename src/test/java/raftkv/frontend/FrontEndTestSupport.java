package raftkv.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import raftkv.config.NodeConfig.Limits;
import raftkv.config.NodeConfig.Member;
import raftkv.config.NodeConfig;
import raftkv.testing.TestConfigs;
import raftkv.testing.TestHttp.Reply;

/** Configurations, deployment and a plain HTTP client for the front end's tests. */
public final class FrontEndTestSupport {

  public static final String HOST = TestConfigs.HOST;

  /** Small limits so that the tests can cross them cheaply. */
  public static final Limits LIMITS = new Limits(64, 4096, 100, 3000);

  private FrontEndTestSupport() {}

  /** Members 1..n with these client ports. */
  public static List<Member> members(int... clientPorts) {
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < clientPorts.length; i++) {
      members.add(new Member(i + 1, HOST, 0, clientPorts[i]));
    }
    return members;
  }

  public static NodeConfig nodeConfig(int nodeId, List<Member> members, Limits limits) {
    return TestConfigs.node(nodeId, members, "data/node" + nodeId).limits(limits).build();
  }

  public static NodeConfig gatewayConfig(List<Member> members, Limits limits) {
    return TestConfigs.gateway(members).limits(limits).build();
  }

  /** The front end of node {@code config.nodeId()}, asking the {@link FakeNode} of that id. */
  public static FrontEndVerticle frontEnd(Vertx vertx, NodeConfig config) {
    return FrontEndVerticle.inNode(config, FakeNode.channel(vertx, config.nodeId()));
  }

  public static FrontEndVerticle deploy(Vertx vertx, NodeConfig config) {
    FrontEndVerticle frontEnd = frontEnd(vertx, config);
    vertx.deployVerticle(frontEnd).await();
    return frontEnd;
  }

  /** Deploys a node's front end and returns its deployment id, to undeploy it later. */
  public static String deployForUndeploy(Vertx vertx, NodeConfig config) {
    return vertx.deployVerticle(frontEnd(vertx, config)).await();
  }

  public static void assertError(Reply reply, int status, String says) {
    assertThat(reply.status()).isEqualTo(status);
    assertThat(reply.header("content-type")).isEqualTo("application/json");
    assertThat(reply.error()).contains(says);
  }

  public static void awaitReceived(FakeNode node, int count) throws InterruptedException {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (node.received.size() < count && System.nanoTime() < giveUp) Thread.sleep(5);
    assertThat(node.received).hasSize(count);
  }
}
