package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import raftkv.config.NodeConfig;
import raftkv.testing.SseStream;
import raftkv.testing.SseStream.Event;

/**
 * Watch streams on real nodes over HTTP: served by a follower from its applied state, in
 * revision order, from the past or from now, resumed exactly, refused with 410 once the history
 * is gone, and let go with a place to resume when the node stops.
 */
@Timeout(120)
class ClusterWatchTest {

  @TempDir Path dataRoot;
  private ClusterHarness cluster;
  private final List<SseStream> streams = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (SseStream s : streams) s.close();
    if (cluster != null) cluster.close();
  }

  private SseStream watch(int node, String query, String... headers) throws Exception {
    SseStream s = SseStream.open(cluster.member(node).clientPort(), "/v1/watch?" + query,
        headers);
    streams.add(s);
    return s;
  }

  private static String value(Event change) {
    String base64 = change.json().getString("value");
    return base64 == null ? null : new String(Base64.getDecoder().decode(base64));
  }

  @Test
  void aFollowerStreamsEveryChangeInRevisionOrder() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    long first = cluster.putOk(leader, "w%2Fa", "1");
    cluster.putOk(leader, "other", "x");
    SseStream fromStart = watch(follower, "prefix=w/&fromRevision=" + first);
    SseStream oneKey = watch(follower, "key=w/b");
    oneKey.awaitProgress(5_000); // watching from now: caught up before the next writes
    cluster.putOk(leader, "w%2Fb", "2");
    cluster.putOk(leader, "w%2Fa", "3");
    assertThat(cluster.delete(leader, "/v1/kv/w%2Fb").status()).isEqualTo(200);

    List<Event> all = fromStart.changes(4, 10_000);
    assertThat(all).extracting(e -> e.json().getString("type") + " " + e.json().getString("key")
            + " " + value(e) + " @" + e.json().getLong("revision") + " prev "
            + e.json().getLong("prevRevision"))
        .containsExactly("put w/a 1 @1 prev 0", "put w/b 2 @3 prev 0", "put w/a 3 @4 prev 1",
            "delete w/b null @5 prev 3");
    assertThat(all).extracting(Event::id).containsExactly("1", "3", "4", "5");
    assertThat(oneKey.changes(2, 10_000)).extracting(e -> e.json().getString("type"))
        .containsExactly("put", "delete");
  }

  @Test
  void aStreamResumesExactlyFromLastEventId() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    for (int i = 1; i <= 6; i++) cluster.putOk(leader, "r" + i, "v" + i);
    SseStream first = watch(leader, "prefix=r&fromRevision=1");
    List<Event> seen = first.changes(3, 10_000);
    first.close();
    // as a browser's EventSource reconnects: the last id it saw
    SseStream again = watch(cluster.aFollower(leader), "prefix=r", "Last-Event-ID",
        seen.get(2).id());
    assertThat(again.changes(3, 10_000)).extracting(Event::id).containsExactly("4", "5", "6");
  }

  @Test
  void aRevisionNoLongerHeldIs410WithTheOldestOne() throws Exception {
    cluster = ClusterHarness.started(new ClusterHarness(3, dataRoot,
        b -> b.watch(new NodeConfig.Watch(20, 600_000, 1 << 20, 100, 5_000))));
    int leader = cluster.awaitLeader();
    for (int i = 0; i < 50; i++) cluster.putOk(leader, "k" + (i % 7), "v" + i);
    SseStream refused = watch(leader, "key=k1&fromRevision=5");
    assertThat(refused.status()).isEqualTo(410);
    assertThat(refused.error().getLong("oldestRevision")).isEqualTo(31);
    assertThat(refused.error().getLong("revision")).isEqualTo(50);
    assertThat(watch(leader, "prefix=k&fromRevision=31").changes(20, 10_000))
        .extracting(e -> e.json().getLong("revision")).startsWith(31L).endsWith(50L);
  }

  @Test
  void aWatcherTooSlowForTheHistoryIsToldWhereToResumeBeforeItMissesAnything() throws Exception {
    cluster = ClusterHarness.started(new ClusterHarness(3, dataRoot,
        b -> b.watch(new NodeConfig.Watch(300, 600_000, 1L << 30, 100, 5_000))));
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    String value = "v".repeat(64 * 1024);
    try (java.net.Socket slow = new java.net.Socket("127.0.0.1",
        cluster.member(follower).clientPort())) {
      // a reader that takes nothing for now: the kernel's buffers fill, then the stream's queue
      slow.getOutputStream().write(("GET /v1/watch?prefix=big/&fromRevision=1 HTTP/1.1\r\n"
          + "Host: x\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      slow.getOutputStream().flush();
      int written = 0;
      while (slowClosed(follower) == 0) {
        assertThat(written).as("the slow stream let go within 3000 writes").isLessThan(3000);
        for (int i = 0; i < 10; i++) cluster.putOk(leader, "big%2F" + (written++ % 50), value);
      }
      // now read what it was sent: every change from 1, in order, then where to resume
      slow.setSoTimeout(20_000);
      java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
          slow.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
      long lastId = 0;
      long resumeFrom = -1;
      String event = "message";
      for (String line = in.readLine(); line != null && resumeFrom < 0; line = in.readLine()) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.isEmpty()) {
          event = "message";
        } else if (line.startsWith("data: ") && event.equals("message")) {
          long revision = new io.vertx.core.json.JsonObject(line.substring(6)).getLong("revision");
          assertThat(revision).as("in order, none missed").isEqualTo(lastId + 1);
          lastId = revision;
        } else if (line.startsWith("data: ") && event.equals("resume")) {
          io.vertx.core.json.JsonObject data = new io.vertx.core.json.JsonObject(line.substring(6));
          resumeFrom = data.getLong("fromRevision");
          assertThat(data.getString("reason")).isEqualTo("slow");
        }
      }
      assertThat(resumeFrom).as("told where to resume").isEqualTo(lastId + 1);
      assertThat(lastId).isLessThan(written);
      // and it can: the node still holds that revision, so nothing is missed
      SseStream again = watch(follower, "prefix=big/&fromRevision=" + resumeFrom);
      assertThat(again.status()).as("resumable at %d", resumeFrom).isEqualTo(200);
      List<Event> rest = again.changes((int) (written - resumeFrom + 1), 30_000);
      assertThat(rest.get(0).json().getLong("revision")).isEqualTo(resumeFrom);
      assertThat(rest.get(rest.size() - 1).json().getLong("revision")).isEqualTo(written);
    }
  }

  /** The follower's count of streams let go for falling behind, from its metrics. */
  private long slowClosed(int node) {
    for (String line : cluster.get(node, "/metrics").text().split("\n")) {
      if (line.startsWith("raftkv_watch_slow_closed_total")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no raftkv_watch_slow_closed_total in the metrics");
  }

  @Test
  void theGatewayRelaysAStreamAndResumesItOnAnotherMemberWhenItsMemberStops() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    io.vertx.core.Vertx gatewayVertx = io.vertx.core.Vertx.vertx();
    try {
      int port = raftkv.testing.FreePorts.next();
      NodeConfig config = raftkv.testing.TestConfigs.gateway(cluster.members()).gatewayPort(port)
          .gateway(new NodeConfig.Gateway(100, 6, 50, 8)).build();
      gatewayVertx.deployVerticle(raftkv.gateway.Gateway.frontEnd(config))
          .timeout(10, java.util.concurrent.TimeUnit.SECONDS).await();
      for (int i = 1; i <= 5; i++) cluster.putOk(leader, "g" + i, "v" + i);
      SseStream refused = SseStream.open(port, "/v1/watch?prefix=g&fromRevision=0");
      assertThat(refused.status()).isEqualTo(400);
      SseStream stream = SseStream.open(port, "/v1/watch?prefix=g&fromRevision=2");
      streams.add(stream);
      assertThat(stream.changes(4, 10_000)).extracting(Event::id)
          .containsExactly("2", "3", "4", "5");
      // stop every member but one in turn: the stream goes on from wherever it is served
      for (int id : List.of(1, 2, 3)) {
        cluster.stop(id);
        leader = cluster.runningIds().size() >= 2 ? cluster.awaitLeader() : leader;
        cluster.start(id);
        leader = cluster.awaitLeader();
        cluster.putOk(leader, "g" + (5 + id), "after stopping " + id);
        Event next = stream.nextChange(15_000);
        assertThat(next.isChange()).as("got %s", next).isTrue();
        assertThat(next.id()).isEqualTo(Long.toString(5 + id));
      }
    } finally {
      gatewayVertx.close().timeout(10, java.util.concurrent.TimeUnit.SECONDS).await();
    }
  }

  @Test
  void badWatchesAreRefusedWith400() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    for (String query : List.of("", "key=a&prefix=b", "key=", "key=a&fromRevision=0",
        "key=a&fromRevision=x", "key=a&since=3")) {
      assertThat(watch(leader, query).status()).as(query).isEqualTo(400);
    }
  }

  @Test
  void aStoppingNodeTellsItsWatchersWhereToResume() throws Exception {
    cluster = ClusterHarness.started(3, dataRoot);
    int leader = cluster.awaitLeader();
    int follower = cluster.aFollower(leader);
    cluster.putOk(leader, "s", "1");
    SseStream stream = watch(follower, "key=s&fromRevision=1");
    assertThat(stream.changes(1, 10_000)).hasSize(1);
    cluster.stop(follower);
    Event last = stream.nextChange(10_000);
    assertThat(last.name()).isEqualTo("resume");
    assertThat(last.json().getLong("fromRevision")).isEqualTo(2);
    assertThat(stream.next(10_000)).isSameAs(SseStream.END);
  }
}
