package raftkv.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import raftkv.metrics.HttpMetrics.Route;

class HttpMetricsTest {

  @Test
  void pathsFoldIntoTheApiRoutes() {
    assertThat(Route.of("/v1/kv/a/b%2Fc")).isEqualTo(Route.KEY);
    assertThat(Route.of("/v1/kv/")).isEqualTo(Route.KEY);
    assertThat(Route.of("/v1/kv")).isEqualTo(Route.LIST);
    assertThat(Route.of("/v1/members/4/promote")).isEqualTo(Route.MEMBERS);
    assertThat(Route.of("/v1/leader")).isEqualTo(Route.LEADER);
    assertThat(Route.of("/ui/app.js")).isEqualTo(Route.UI);
    assertThat(Route.of("/ui/events")).isEqualTo(Route.UI_EVENTS);
    assertThat(Route.of("/uix")).isEqualTo(Route.OTHER);
    assertThat(Route.of("/v1/nope")).isEqualTo(Route.OTHER);
    assertThat(Route.of(null)).isEqualTo(Route.OTHER);
  }

  @Test
  void countsByRouteMethodAndStatusAndTimesByRouteAndMethod() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HttpMetrics metrics = new HttpMetrics(registry);
    metrics.record(Route.KEY, "PUT", 200, 2_000_000);
    metrics.record(Route.KEY, "PUT", 200, 4_000_000);
    metrics.record(Route.KEY, "PUT", 429, 100_000);
    metrics.record(Route.KEY, "BREW", 405, 100_000);
    assertThat(registry.get("raftkv.http.requests").tags("route", "/v1/kv/{key}", "method", "PUT",
        "code", "200").counter().count()).isEqualTo(2);
    assertThat(registry.get("raftkv.http.requests").tags("code", "429").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("raftkv.http.requests").tags("method", "OTHER").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("raftkv.http.request.duration").tags("method", "PUT").timer().count())
        .isEqualTo(3);
    // a stream is counted, not timed: its duration is its reader's
    metrics.record(Route.UI_EVENTS, "GET", 200, 60_000_000_000L);
    assertThat(registry.get("raftkv.http.requests").tags("route", "/ui/events").counter().count())
        .isEqualTo(1);
    assertThat(registry.find("raftkv.http.request.duration").tags("route", "/ui/events").timer())
        .isNull();
  }
}
