package raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import raftkv.raft.Role;
import raftkv.raft.SoftState;

class RoleChangeLogTest {

  @Test
  void oneLineSaysWhatTheChangeMeans() {
    SoftState follower = new SoftState(Role.FOLLOWER, 4, 2);
    assertThat(RoleChangeLog.describe(1, follower, new SoftState(Role.PRE_CANDIDATE, 4, 0), 9))
        .isEqualTo("node 1 heard from no leader within its election timeout (term 4): it asks"
            + " the voters whether it could win (pre-vote)");
    assertThat(RoleChangeLog.describe(1, follower, new SoftState(Role.CANDIDATE, 5, 0), 9))
        .isEqualTo("node 1 stands for election in term 5");
    assertThat(RoleChangeLog.describe(1, follower, new SoftState(Role.LEADER, 5, 1), 9))
        .isEqualTo("node 1 won the election for term 5 and leads (log up to 9)");
    assertThat(RoleChangeLog.describe(1, new SoftState(Role.LEADER, 5, 1),
        new SoftState(Role.FOLLOWER, 6, 3), 9))
        .isEqualTo("node 1 follows node 3, the leader of term 6 (it led in term 5)");
    assertThat(RoleChangeLog.describe(1, follower, new SoftState(Role.FOLLOWER, 5, 0), 9))
        .isEqualTo("node 1 follows no leader yet in term 5");
  }
}
