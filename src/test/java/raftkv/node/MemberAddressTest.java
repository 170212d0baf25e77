package raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import raftkv.config.NodeConfig;
import raftkv.raft.Membership;
import raftkv.testing.TestConfigs;

/** Where a member is reached: from a configuration entry's address, else the node's file. */
class MemberAddressTest {

  @Test
  void anAddressReadsBackWithItsPortsSplitFromTheRight() {
    MemberAddress a = new MemberAddress("fe80::1", 7101, 8101);
    assertThat(a.format()).isEqualTo("fe80::1:7101:8101");
    assertThat(MemberAddress.parse(a.format())).isEqualTo(a);
    assertThat(MemberAddress.parse("host:7101:8101").toMember(4))
        .isEqualTo(new NodeConfig.Member(4, "host", 7101, 8101));
    for (String none : List.of("", "host", "host:1", ":1:2", "host:x:2", "host:1:y")) {
      assertThat(MemberAddress.parse(none)).as(none).isNull();
    }
  }

  @Test
  void theLogsAddressWinsAndTheFileFillsIn() {
    NodeConfig config = TestConfigs.node(1, List.of(
        new NodeConfig.Member(1, "file-host", 1, 2), new NodeConfig.Member(2, "file-two", 3, 4)),
        "/unused").build();
    Membership log = Membership.decode("#members 1=voter@log-host:5:6 2=voter@ 3=learner@h3:7:8");
    assertThat(MemberAddress.resolve(1, log, config).host()).isEqualTo("log-host");
    assertThat(MemberAddress.resolve(2, log, config).host()).as("no address in the log")
        .isEqualTo("file-two");
    assertThat(MemberAddress.resolve(3, log, config).clientUrl("http")).isEqualTo("http://h3:8");
    assertThat(MemberAddress.resolve(9, log, config)).isNull();
  }
}
