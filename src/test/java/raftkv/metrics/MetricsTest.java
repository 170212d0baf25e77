package raftkv.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class MetricsTest {

  /**
   * A refresh runs on its owner's loop; the rendering runs back on the scraper's, so the owner's
   * loop (the Raft loop, in a node) never pays for rendering every series.
   */
  @Test
  void refreshesOnTheOwnersLoopAndRendersOnTheScrapers(Vertx vertx, VertxTestContext tc) {
    Metrics metrics = Metrics.prometheus("7");
    AtomicLong value = new AtomicLong();
    Gauge.builder("raftkv.test.value", value, AtomicLong::get).register(metrics.registry());
    Context owner = vertx.getOrCreateContext();
    AtomicReference<Thread> ownerThread = new AtomicReference<>();
    metrics.beforeEachScrape(() -> {
      Promise<Void> refreshed = Promise.promise();
      owner.runOnContext(v -> {
        ownerThread.set(Thread.currentThread());
        value.set(42);
        refreshed.complete();
      });
      return refreshed.future();
    });
    Context scraper = vertx.getOrCreateContext();
    scraper.runOnContext(v -> {
      Thread scraperThread = Thread.currentThread();
      metrics.scrape().onComplete(tc.succeeding(text -> tc.verify(() -> {
        assertThat(text).contains("raftkv_test_value{node=\"7\"} 42.0");
        assertThat(Thread.currentThread()).isSameAs(scraperThread);
        tc.completeNow();
      })));
    });
  }

  /** A refresh that never completes delays a scrape by at most the refresh timeout. */
  @Test
  void aStuckRefreshDoesNotHoldTheScrape(Vertx vertx, VertxTestContext tc) {
    Metrics metrics = Metrics.prometheus("gateway");
    metrics.registry().counter("raftkv.test.count").increment();
    metrics.beforeEachScrape(() -> Promise.promise().future()); // never completes
    vertx.getOrCreateContext().runOnContext(v -> metrics.scrape()
        .onComplete(tc.succeeding(text -> tc.verify(() -> {
          assertThat(text).contains("raftkv_test_count_total{node=\"gateway\"} 1.0");
          tc.completeNow();
        }))));
  }

  @Test
  void offKeepsNothingAndServesNothing() {
    Metrics off = Metrics.off();
    assertThat(off.enabled()).isFalse();
    off.registry().counter("raftkv.anything").increment();
    assertThat(off.registry().find("raftkv.anything").counter().count()).isZero();
    Future<String> scrape = off.scrape();
    assertThat(scrape.failed()).isTrue();
  }
}
