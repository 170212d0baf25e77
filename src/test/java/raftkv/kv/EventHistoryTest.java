package raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The watchers' history: what it holds, what it drops, and what readers see. */
class EventHistoryTest {

  private static KvEvent put(long revision, String key, int valueBytes) {
    return new KvEvent(KvEvent.Type.PUT, key, new byte[valueBytes], revision, 0, 0);
  }

  @Test
  void readersAreWokenOncePerBatch() {
    EventHistory history = new EventHistory(10, 1 << 20, 60_000);
    AtomicInteger woken = new AtomicInteger();
    history.onPublished(woken::incrementAndGet);
    history.append(put(1, "a", 1), 0);
    history.append(put(2, "b", 1), 0);
    assertThat(history.last()).isEqualTo(2);
    assertThat(history.get(1).key()).isEqualTo("a");
    assertThat(woken.get()).isZero();
    history.publish(0);
    assertThat(woken.get()).isEqualTo(1);
    history.publish(1); // nothing new: nobody is woken
    assertThat(woken.get()).isEqualTo(1);
  }

  @Test
  void keepsAtMostMaxRevisions() {
    EventHistory history = new EventHistory(4, 1 << 20, 60_000);
    for (long r = 1; r <= 10; r++) history.append(put(r, "k" + r, 1), 0);
    history.publish(0);
    assertThat(history.oldest()).isEqualTo(7);
    assertThat(history.last()).isEqualTo(10);
    assertThat(history.get(6)).isNull();
    for (long r = 7; r <= 10; r++) assertThat(history.get(r).revision()).isEqualTo(r);
    assertThat(history.get(11)).isNull();
  }

  @Test
  void dropsTheOldestPastTheByteLimitButKeepsTheNewest() {
    EventHistory history = new EventHistory(100, 1_000, 60_000);
    for (long r = 1; r <= 5; r++) history.append(put(r, "k", 400), 0);
    history.publish(0);
    assertThat(history.oldest()).isEqualTo(4); // two of ~466 bytes fit
    history.append(put(6, "k", 5_000), 0); // larger than the limit alone: kept, alone
    history.publish(0);
    assertThat(history.oldest()).isEqualTo(6);
    assertThat(history.size()).isEqualTo(1);
  }

  @Test
  void dropsChangesPastTheAgeLimit() {
    EventHistory history = new EventHistory(100, 1 << 20, 1_000);
    history.append(put(1, "a", 1), 0);
    history.append(put(2, "b", 1), 600);
    history.publish(600);
    assertThat(history.oldest()).isEqualTo(1);
    history.publish(1_200);
    assertThat(history.oldest()).isEqualTo(2);
    history.publish(5_000);
    assertThat(history.oldest()).isEqualTo(3);
    assertThat(history.size()).isZero();
    assertThat(history.last()).isEqualTo(2);
  }

  @Test
  void aBatchLargerThanTheHistoryNeverLeavesAGapBeforeTheOldest() {
    EventHistory history = new EventHistory(4, 1 << 20, 60_000);
    for (long r = 1; r <= 9; r++) {
      history.append(put(r, "k", 1), 0);
      assertThat(history.oldest()).isLessThanOrEqualTo(history.last() + 1);
    }
    assertThat(history.oldest()).isEqualTo(6);
  }

  @Test
  void aRestartForgetsEverythingBefore() {
    EventHistory history = new EventHistory(10, 1 << 20, 60_000);
    for (long r = 1; r <= 3; r++) history.append(put(r, "k", 1), 0);
    history.publish(0);
    history.restartAt(50); // a snapshot of revision 50 was installed
    assertThat(history.oldest()).isEqualTo(51);
    assertThat(history.last()).isEqualTo(50);
    assertThat(history.get(3)).isNull();
    history.append(put(51, "k", 1), 0);
    history.publish(0);
    assertThat(history.get(51)).isNotNull();
  }
}
