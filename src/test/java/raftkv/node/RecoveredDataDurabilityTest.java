package raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import raftkv.kv.KvCommand;
import raftkv.kv.KvResult;
import raftkv.kv.LoggedCommand;
import raftkv.raft.Entry;

/**
 * The scenario in which a restart that trusts the page cache loses an acknowledged write, step
 * by step, with at most one of three nodes down at any moment:
 *
 * <ol>
 *   <li>n1 leads, n3 is cut off; write W reaches n2's page cache, and n2 is SIGKILLed before its
 *       fsync;
 *   <li>n2 restarts and reads W back; n1 probes it, n2 acknowledges W at once (it already holds
 *       it), n1 commits W and answers the client;
 *   <li>n2 loses power before the page cache is written back;
 *   <li>n2 comes back, n1 dies for good, n3 returns: n2 and n3 elect a leader.
 * </ol>
 *
 * Because recovery makes what it read back durable before the node promises anything, W is on
 * n2's disk at step 3, and the new leader (which must be n2) holds it. A storage that trusts
 * what it reads back loses W: the second test shows the loss, so the first is known to look
 * where it matters.
 */
class RecoveredDataDurabilityTest {

  private static final String W =
      LoggedCommand.stamp(new KvCommand.Put("w", "acknowledged".getBytes(StandardCharsets.UTF_8),
          KvCommand.ANY_REVISION, "client-1"), 1_000, 60_000).encode();

  @Test
  void anAcknowledgedWriteSurvivesAKillARestartAndAPowerLoss() {
    Outcome outcome = playScenario(false);

    assertThat(outcome.acknowledged()).isTrue();
    assertThat(outcome.newLeader()).as("n3 lacks W, so only n2 can win").isEqualTo(2);
    assertThat(outcome.entryAtW()).isEqualTo(outcome.w());
    assertThat(outcome.valueOfW()).isEqualTo("acknowledged");
  }

  @Test
  void aRestartThatTrustsThePageCacheLosesIt() {
    Outcome outcome = playScenario(true);

    assertThat(outcome.acknowledged()).as("the client was told W is stored").isTrue();
    assertThat(outcome.entryAtW()).as("the new leader's entry at W's index").isNotEqualTo(outcome.w());
    assertThat(outcome.valueOfW()).isNull();
  }

  private record Outcome(boolean acknowledged, int newLeader, Entry w, Entry entryAtW,
      String valueOfW) {}

  private static Outcome playScenario(boolean trustRecovered) {
    ScriptedCluster cluster = new ScriptedCluster(3, 7, trustRecovered);
    cluster.cutOff(3);
    cluster.electLeader(1);

    // 1. W reaches n2's page cache; n2 is killed before its fsync completes.
    boolean[] acknowledged = {false};
    assertThat(cluster.node(1).replica.propose(W, new Waiter<KvResult>() {
      @Override
      public void succeeded(KvResult result) {
        acknowledged[0] = result.isOk();
      }

      @Override
      public void failed(Failure failure, String why) {}
    })).isTrue();
    cluster.node(1).replica.process();
    Entry w = cluster.node(1).raft().log().entryAt(cluster.node(1).raft().log().lastIndex());
    cluster.completeWrites(1);
    cluster.deliver(1, 2);
    assertThat(cluster.node(2).raft().log().lastIndex()).isEqualTo(w.index());
    assertThat(acknowledged[0]).isFalse();
    cluster.kill(2);

    // 2. n2 restarts with W read back; n1's next probe gets it acknowledged at once.
    cluster.restart(2);
    assertThat(cluster.node(2).raft().log().entryAt(w.index())).isEqualTo(w);
    for (int i = 0; i < 30 && !acknowledged[0]; i++) {
      cluster.tick(1, 1);
      cluster.settle();
    }
    assertThat(acknowledged[0]).as("n1 answered the client").isTrue();

    // 3. n2 loses power: whatever of its disk was still only in the page cache is gone.
    cluster.powerLoss(2);

    // 4. n2 comes back, n1 is gone for good, n3 returns; a new leader is elected.
    cluster.restart(2);
    cluster.kill(1);
    cluster.reconnect(3);
    ScriptedCluster.Member leader = cluster.awaitAnyLeader();

    Entry atW = leader.raft().log().entryAt(w.index());
    String value = leader.kv.get("w").map(kv -> new String(kv.value(), StandardCharsets.UTF_8))
        .orElse(null);
    return new Outcome(acknowledged[0], leader.id, w, atW, value);
  }
}
