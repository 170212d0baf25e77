package raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Reading a process's CPU time from /proc/PID/stat. */
class ProcCpuTest {

  @Test
  void addsUtimeAndStimeFieldsFourteenAndFifteen() {
    String stat = "4242 (java) S 1 4242 4242 0 -1 4194560 12345 0 3 0 1500 250 0 0 20 0 40 0 "
        + "987 1234567 890 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

    assertThat(ProcCpu.parseTicks(stat)).isEqualTo(1750);
  }

  @Test
  void aNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
    String stat = "7 (a (weird) name) R 1 7 7 0 -1 0 0 0 0 0 30 12 0 0 20 0 1 0 5 0 0";

    assertThat(ProcCpu.parseTicks(stat)).isEqualTo(42);
  }

  @Test
  void aMalformedLineIsRefused() {
    assertThatThrownBy(() -> ProcCpu.parseTicks("no parenthesis here"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcCpu.parseTicks("1 (x) S 1 2"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readsThisProcess() {
    assertThat(ProcCpu.ticks(ProcessHandle.current().pid())).isPresent();
    assertThat(ProcCpu.ticks(-1)).isEmpty();
  }

  @Test
  void ticksAreMillisecondsAtTheClockRate() {
    assertThat(ProcCpu.millis(250, 100)).isEqualTo(2500.0);
  }
}
