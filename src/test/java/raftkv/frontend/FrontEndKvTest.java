package raftkv.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static raftkv.frontend.FrontEndTestSupport.LIMITS;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.kv.KvCommand;
import raftkv.node.NodeRequest;
import raftkv.testing.TestHttp.Client;
import raftkv.testing.TestHttp.Reply;

/** The client API of one node's front end, over real HTTP, in front of a fake node that leads. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FrontEndKvTest {

  private FakeNode node;
  private Client client;

  @BeforeEach
  void start(Vertx vertx) {
    node = FakeNode.start(vertx, 1, 1);
    FrontEndVerticle frontEnd = FrontEndTestSupport.deploy(vertx,
        FrontEndTestSupport.nodeConfig(1, FrontEndTestSupport.members(0), LIMITS));
    client = new Client(vertx, frontEnd.actualPort());
  }

  @Test
  void putThenGetReturnsTheValueVerbatimWithItsRevision() {
    Reply put = client.put("/v1/kv/greeting", "hello");
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.header("content-type")).isEqualTo("application/json");
    assertThat(put.json()).isEqualTo(new JsonObject().put("revision", 1));

    client.put("/v1/kv/other", "x");
    Reply get = client.get("/v1/kv/greeting");
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.text()).isEqualTo("hello");
    assertThat(get.header("X-Revision")).isEqualTo("1");
    assertThat(get.header("content-type")).isEqualTo("application/octet-stream");
    assertThat(node.received).contains(new NodeRequest.Read("greeting", true));
  }

  @Test
  void anAbsentKeyIs404WithAJsonError() {
    Reply get = client.get("/v1/kv/missing");
    assertThat(get.status()).isEqualTo(404);
    assertThat(get.header("content-type")).isEqualTo("application/json");
    assertThat(get.error()).contains("missing");
  }

  @Test
  void staleConsistencyAsksForALocalRead() {
    client.put("/v1/kv/k", "v");
    assertThat(client.get("/v1/kv/k?consistency=stale").text()).isEqualTo("v");
    assertThat(client.get("/v1/kv/k?consistency=linearizable").text()).isEqualTo("v");
    assertThat(node.received).contains(
        new NodeRequest.Read("k", false), new NodeRequest.Read("k", true));
  }

  @Test
  void deleteAnswersTheRevisionAndWhetherAKeyWentAway() {
    client.put("/v1/kv/k", "v");
    Reply first = client.delete("/v1/kv/k");
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.json()).isEqualTo(new JsonObject().put("revision", 2).put("deleted", true));
    Reply again = client.delete("/v1/kv/k");
    assertThat(again.json()).isEqualTo(new JsonObject().put("revision", 2).put("deleted", false));
    assertThat(client.get("/v1/kv/k").status()).isEqualTo(404);
  }

  @Test
  void compareAndSetWritesOnlyAtTheExpectedRevisionAndTellsTheCurrentOne() {
    assertThat(client.put("/v1/kv/k?prevRevision=0", "a").json().getLong("revision")).isEqualTo(1);

    Reply notAbsent = client.put("/v1/kv/k?prevRevision=0", "b");
    assertThat(notAbsent.status()).isEqualTo(412);
    assertThat(notAbsent.header("content-type")).isEqualTo("application/json");
    assertThat(notAbsent.json().getLong("revision")).isEqualTo(1);
    assertThat(notAbsent.error()).isNotBlank();

    assertThat(client.put("/v1/kv/k?prevRevision=1", "c").json().getLong("revision")).isEqualTo(2);
    Reply staleDelete = client.delete("/v1/kv/k?prevRevision=1");
    assertThat(staleDelete.status()).isEqualTo(412);
    assertThat(staleDelete.json().getLong("revision")).isEqualTo(2);
    assertThat(client.get("/v1/kv/k").text()).isEqualTo("c");

    assertThat(client.delete("/v1/kv/k?prevRevision=2").json().getBoolean("deleted")).isTrue();
    Reply absent = client.put("/v1/kv/gone?prevRevision=5", "x");
    assertThat(absent.status()).isEqualTo(412);
    assertThat(absent.json().getLong("revision")).isZero(); // an absent key's revision
  }

  @Test
  void listingGivesKeysInOrderWithRevisionAndSizeUpToTheLimit() {
    for (String key : List.of("b", "a/3", "a/1", "c", "a/2")) {
      client.put("/v1/kv/" + key, key + "!");
    }

    Reply prefixed = client.get("/v1/kv?prefix=a/");
    assertThat(prefixed.status()).isEqualTo(200);
    assertThat(prefixed.header("content-type")).isEqualTo("application/json");
    assertThat(prefixed.jsonArray()).isEqualTo(new JsonArray()
        .add(new JsonObject().put("key", "a/1").put("revision", 3).put("size", 4))
        .add(new JsonObject().put("key", "a/2").put("revision", 5).put("size", 4))
        .add(new JsonObject().put("key", "a/3").put("revision", 2).put("size", 4)));
    assertThat(prefixed.header("X-More-Keys")).isNull();

    Reply limited = client.get("/v1/kv?prefix=a/&limit=2");
    assertThat(keys(limited.jsonArray())).containsExactly("a/1", "a/2");
    assertThat(limited.header("X-More-Keys")).isEqualTo("true");

    assertThat(keys(client.get("/v1/kv").jsonArray()))
        .containsExactly("a/1", "a/2", "a/3", "b", "c");
    assertThat(client.get("/v1/kv?prefix=zzz").jsonArray()).isEmpty();
  }

  @Test
  void listingWithValuesAddsThemInBase64() {
    client.send(HttpMethod.PUT, "/v1/kv/bin", Buffer.buffer(new byte[] {0, (byte) 0xFF, 10}));
    JsonObject item = client.get("/v1/kv?prefix=bin&values=true").jsonArray().getJsonObject(0);
    assertThat(Base64.getDecoder().decode(item.getString("value")))
        .containsExactly(0, 0xFF, 10);
    assertThat(client.get("/v1/kv?prefix=bin&values=false").jsonArray().getJsonObject(0)
        .containsKey("value")).isFalse();
  }

  @Test
  void keysMayHoldSlashesSpacesAndUnicodeAndArePercentDecoded() {
    client.put("/v1/kv/a%2Fb", "escaped slash");
    assertThat(client.get("/v1/kv/a/b").text()).isEqualTo("escaped slash");
    client.put("/v1/kv/dir/sub/leaf", "raw slashes");
    assertThat(client.get("/v1/kv/dir%2Fsub%2Fleaf").text()).isEqualTo("raw slashes");
    client.put("/v1/kv/a//b", "two slashes");
    client.put("/v1/kv/with%20space+plus", "space");
    client.put("/v1/kv/%C3%A9t%C3%A9%20%E2%82%AC%F0%9F%98%80", "unicode");
    client.put("/v1/kv/%41bc", "escaped letter");

    List<String> keys = keys(client.get("/v1/kv").jsonArray());
    assertThat(keys).containsExactlyInAnyOrder(
        "a/b", "dir/sub/leaf", "a//b", "with space+plus", "été €😀", "Abc");
    assertThat(client.get("/v1/kv/a//b").text()).isEqualTo("two slashes");
    assertThat(client.get("/v1/kv/%C3%A9t%C3%A9%20%E2%82%AC%F0%9F%98%80").text())
        .isEqualTo("unicode");
    assertThat(client.get("/v1/kv?prefix=%C3%A9").jsonArray().getJsonObject(0).getString("key"))
        .isEqualTo("été €😀");
  }

  @Test
  void aRequestIdTravelsIntoTheCommand() {
    client.send(HttpMethod.PUT, "/v1/kv/k", Buffer.buffer("v"), "X-Request-Id", "req-1");
    client.send(HttpMethod.DELETE, "/v1/kv/k?prevRevision=1", null, "X-Request-Id", "req-2");
    client.put("/v1/kv/k", "no id");
    assertThat(node.writes()).containsExactly(
        new KvCommand.Put("k", "v".getBytes(), KvCommand.ANY_REVISION, "req-1"),
        new KvCommand.Delete("k", 1, "req-2"),
        new KvCommand.Put("k", "no id".getBytes(), KvCommand.ANY_REVISION, null));
  }

  @Test
  void everyByteValueSurvivesARoundTripWhateverTheContentType() {
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) all[i] = (byte) i;
    assertThat(client.send(HttpMethod.PUT, "/v1/kv/bytes", Buffer.buffer(all)).status())
        .isEqualTo(200);
    assertThat(client.get("/v1/kv/bytes").body().getBytes()).isEqualTo(all);

    // what curl -d sends: the body must not be taken for a form
    Buffer formLooking = Buffer.buffer("a=%zz&&&b=" + "x".repeat(3000));
    assertThat(client.send(HttpMethod.PUT, "/v1/kv/form", formLooking,
        "content-type", "application/x-www-form-urlencoded").status()).isEqualTo(200);
    assertThat(client.get("/v1/kv/form").body()).isEqualTo(formLooking);

    assertThat(client.send(HttpMethod.PUT, "/v1/kv/empty", null).status()).isEqualTo(200);
    Reply empty = client.get("/v1/kv/empty");
    assertThat(empty.status()).isEqualTo(200);
    assertThat(empty.body().length()).isZero();
  }

  @Test
  void healthAnswersOk() {
    Reply health = client.get("/health");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json()).isEqualTo(new JsonObject().put("status", "ok"));
  }

  @Test
  void clusterPassesTheNodeStatusThrough() {
    Reply cluster = client.get("/v1/cluster");
    assertThat(cluster.status()).isEqualTo(200);
    assertThat(cluster.header("content-type")).isEqualTo("application/json");
    assertThat(cluster.json().getInteger("id")).isEqualTo(1);
    assertThat(cluster.json().getString("role")).isEqualTo("LEADER");
    assertThat(cluster.json().getInteger("leaderId")).isEqualTo(1);
  }

  static List<String> keys(JsonArray listing) {
    return listing.stream().map(o -> ((JsonObject) o).getString("key")).toList();
  }
}
