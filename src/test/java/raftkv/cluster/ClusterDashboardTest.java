package raftkv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.testing.TestHttp.Reply;

/**
 * The dashboard's server side on live nodes: the page from the jar, and {@code /ui/events}, a
 * stream of the cluster as every member reports it (the page itself is tested in a browser by
 * {@code DashboardBrowserIT}).
 */
class ClusterDashboardTest {

  @TempDir Path dataRoot;

  @Test
  void servesThePageAndStreamsTheCluster() throws Exception {
    try (ClusterHarness cluster = ClusterHarness.started(3, dataRoot)) {
      int leader = cluster.awaitLeader();
      int follower = cluster.aFollower(leader);
      Reply redirect = cluster.get(follower, "/ui");
      assertThat(redirect.status()).isEqualTo(301);
      assertThat(redirect.header("location")).isEqualTo("/ui/");
      Reply page = cluster.get(follower, "/ui/");
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.header("content-type")).startsWith("text/html");
      assertThat(page.text()).contains("<script src=\"app.js\"");
      assertThat(cluster.get(follower, "/ui/app.js").status()).isEqualTo(200);
      assertThat(cluster.get(follower, "/ui/nothing.js").status()).isEqualTo(404);
      cluster.putOk(leader, "k", "v");

      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + ClusterHarness.HOST + ":"
          + cluster.member(follower).clientPort() + "/ui/events")).build();
      HttpResponse<Stream<String>> events = client.send(request,
          HttpResponse.BodyHandlers.ofLines());
      assertThat(events.statusCode()).isEqualTo(200);
      assertThat(events.headers().firstValue("content-type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("text/event-stream"));
      try (Stream<String> lines = events.body()) {
        Iterator<String> it = lines.iterator();
        JsonObject first = nextEvent(it);
        JsonObject second = nextEvent(it);
        assertThat(second.getLong("time")).isGreaterThan(first.getLong("time"));
        assertThat(second.getString("source")).isEqualTo("node " + follower);
        assertThat(second.getInteger("leaderId")).isEqualTo(leader);
        assertThat(second.getJsonArray("nodes")).hasSize(3);
        for (Object o : second.getJsonArray("nodes")) {
          JsonObject node = (JsonObject) o;
          assertThat(node.getBoolean("reachable")).isTrue();
          assertThat(node.getString("role"))
              .isEqualTo(node.getInteger("id") == leader ? "LEADER" : "FOLLOWER");
          assertThat(node.getLong("appliedIndex")).isGreaterThanOrEqualTo(2);
          assertThat(node.getLong("lagEntries")).isNotNull();
        }
        assertThat(second.getJsonArray("leaderChanges").getJsonObject(0).getInteger("leaderId"))
            .isEqualTo(leader);

        // a member stopped shows as unreachable in the next events
        int other = 6 - leader - follower;
        cluster.stop(other);
        JsonObject after = nextEvent(it);
        for (int i = 0; i < 5 && reachable(after, other); i++) after = nextEvent(it);
        assertThat(reachable(after, other)).isFalse();
      }
    }
  }

  private static boolean reachable(JsonObject event, int id) {
    for (Object o : event.getJsonArray("nodes")) {
      JsonObject node = (JsonObject) o;
      if (node.getInteger("id") == id) return node.getBoolean("reachable");
    }
    throw new AssertionError("node " + id + " is not in " + event);
  }

  /** The data of the next {@code cluster} event. */
  private static JsonObject nextEvent(Iterator<String> lines) {
    while (lines.hasNext()) {
      if (!lines.next().equals("event: cluster")) continue;
      String data = lines.next();
      assertThat(data).startsWith("data: ");
      return new JsonObject(data.substring("data: ".length()));
    }
    throw new AssertionError("the stream ended");
  }
}
