package raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A configuration as a log entry writes it, and the one-member rule between two of them. */
class MembershipCodecTest {

  private static final Membership THREE = Membership.decode(
      "#members 1=voter@10.0.0.1:7101:8101 2=voter@[::1]:7102:8102 3=learner@h3:7103:8103");

  @Test
  void encodesAndDecodesInIdOrder() {
    assertThat(THREE.voters()).containsExactly(1, 2);
    assertThat(THREE.learners()).containsExactly(3);
    assertThat(THREE.member(2).address()).isEqualTo("[::1]:7102:8102");
    assertThat(Membership.decode(THREE.encode())).isEqualTo(THREE);
    Membership shuffled = new Membership(List.of(THREE.member(3), THREE.member(1),
        THREE.member(2)));
    assertThat(shuffled.encode()).isEqualTo(THREE.encode());
    assertThat(Membership.decode("#members")).isEqualTo(Membership.EMPTY);
  }

  @Test
  void aClientCommandIsNeverAConfiguration() {
    assertThat(Membership.isMembership("{\"op\":\"put\"}")).isFalse();
    assertThat(Membership.isMembership("")).isFalse();
    assertThat(Membership.isMembership("#membersX")).isFalse();
    assertThat(Membership.isMembership("#members 1=voter@a:1:2")).isTrue();
  }

  @Test
  void malformedConfigurationsAreRefused() {
    for (String bad : List.of("#members 1", "#members x=voter@a", "#members 1=boss@a",
        "#members 1=voter@a 1=learner@b", "#members 0=voter@a", "nothing")) {
      assertThatThrownBy(() -> Membership.decode(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void singleChangeNamesTheOneMemberThatDiffers() {
    Membership added = THREE.with(new Membership.Member(4, false, "h4:1:2"));
    Membership promoted = THREE.with(new Membership.Member(3, true, "h3:7103:8103"));
    assertThat(THREE.singleChange(added)).isEqualTo(4);
    assertThat(THREE.singleChange(promoted)).isEqualTo(3);
    assertThat(THREE.singleChange(THREE.without(1))).isEqualTo(1);
    assertThat(THREE.singleChange(THREE)).isNull();
    assertThat(THREE.singleChange(added.without(1))).isNull();
    assertThat(THREE.singleChange(THREE.with(new Membership.Member(1, true, "moved:1:2"))))
        .isNull();
  }
}
