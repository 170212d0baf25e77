package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommandStamperTest {

  private final CommandStamper stamper = new CommandStamper();
  private final KvCommand withId = new KvCommand.Put("k", new byte[] {1}, -1, "r-1");

  @Test
  void aCommandWithARequestIdAlwaysCarriesTheClockForItsExpiry() {
    assertThat(stamper.stamp(withId, 1_000, 60_000)).isEqualTo(new LoggedCommand(withId, 1_000,
        60_000));
    assertThat(stamper.stamp(withId, 1_001, 60_000)).isEqualTo(new LoggedCommand(withId, 1_001,
        60_000));
  }

  @Test
  void otherCommandsCarryTheClockAtMostEveryInterval() {
    KvCommand plain = new KvCommand.Delete("k");
    assertThat(stamper.stamp(plain, 5_000, 60_000).encode())
        .isEqualTo("{\"op\":\"delete\",\"key\":\"k\",\"t\":5000}");
    assertThat(stamper.stamp(plain, 5_050, 60_000).timeMs()).as("50 ms later").isZero();
    assertThat(stamper.stamp(plain, 5_099, 60_000).encode())
        .isEqualTo("{\"op\":\"delete\",\"key\":\"k\"}");
    assertThat(stamper.stamp(plain, 5_100, 60_000).timeMs()).isEqualTo(5_100);
    assertThat(stamper.stamp(plain, 4_900, 60_000).timeMs()).as("the clock went back")
        .isEqualTo(4_900);
  }
}
