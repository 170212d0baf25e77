package raftkv.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import raftkv.testing.TestHttp.Client;
import raftkv.testing.TestHttp.Reply;

/**
 * Every kind of bad input gets its status and a JSON error, and nothing reaches the node. The
 * limits are those of {@link FrontEndTestSupport#LIMITS}: keys up to 64 bytes, values up to 4096.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FrontEndBadInputTest {

  private FakeNode node;
  private Client client;
  private int port;

  @BeforeEach
  void start(Vertx vertx) {
    node = FakeNode.start(vertx, 1, 1);
    FrontEndVerticle frontEnd = FrontEndTestSupport.deploy(vertx,
        FrontEndTestSupport.nodeConfig(1, FrontEndTestSupport.members(0),
            FrontEndTestSupport.LIMITS));
    port = frontEnd.actualPort();
    client = new Client(vertx, port);
  }

  @Test
  void malformedRequestsAre400AndReachNoNode() {
    SoftAssertions soft = new SoftAssertions();
    expect(soft, HttpMethod.GET, "/v1/kv/%zz", 400, "percent-encoding");
    expect(soft, HttpMethod.GET, "/v1/kv/a%2", 400, "percent-encoding");
    expect(soft, HttpMethod.PUT, "/v1/kv/ab%", 400, "percent-encoding");
    expect(soft, HttpMethod.GET, "/v1/kv/%FF%FE", 400, "UTF-8");
    expect(soft, HttpMethod.GET, "/v1/kv/%ED%A0%80", 400, "UTF-8"); // an encoded lone surrogate
    expect(soft, HttpMethod.PUT, "/v1/kv/", 400, "empty");
    expect(soft, HttpMethod.DELETE, "/v1/kv/", 400, "empty");
    for (String bad : new String[] {"-1", "abc", "", "1.5", "+3", "%201", "99999999999999999999"}) {
      expect(soft, HttpMethod.PUT, "/v1/kv/a?prevRevision=" + bad, 400, "prevRevision");
      expect(soft, HttpMethod.DELETE, "/v1/kv/a?prevRevision=" + bad, 400, "prevRevision");
    }
    for (String bad : new String[] {"0", "-3", "x", "", "000", "+5"}) { // too large: clamped
      expect(soft, HttpMethod.GET, "/v1/kv?limit=" + bad, 400, "limit");
    }
    expect(soft, HttpMethod.GET, "/v1/kv/a?consistency=strong", 400, "consistency");
    expect(soft, HttpMethod.GET, "/v1/kv?consistency=", 400, "consistency");
    expect(soft, HttpMethod.GET, "/v1/kv?values=yes", 400, "values");
    expect(soft, HttpMethod.PUT, "/v1/kv/a?prevrevision=1", 400, "unknown parameter");
    expect(soft, HttpMethod.GET, "/v1/kv/a?prefix=x", 400, "unknown parameter");
    expect(soft, HttpMethod.PUT, "/v1/kv/a?prevRevision=1&prevRevision=2", 400, "more than once");
    expect(soft, HttpMethod.GET, "/v1/kv?prefix=%zz", 400, "percent-encoding");
    soft.assertAll();
    assertThat(node.received).isEmpty();
  }

  @Test
  void malformedMembershipRequestsAre400AndReachNoNode() {
    SoftAssertions soft = new SoftAssertions();
    String[] badAdds = {"", "[]", "{", "{\"id\":0,\"host\":\"h\",\"raftPort\":1,\"clientPort\":2}",
        "{\"id\":\"4\",\"host\":\"h\",\"raftPort\":1,\"clientPort\":2}",
        "{\"id\":4,\"host\":\"\",\"raftPort\":1,\"clientPort\":2}",
        "{\"id\":4,\"host\":\"a b\",\"raftPort\":1,\"clientPort\":2}",
        "{\"id\":4,\"host\":\"h\",\"raftPort\":70000,\"clientPort\":2}",
        "{\"id\":4,\"host\":\"h\",\"raftPort\":1}"};
    for (String body : badAdds) {
      Reply reply = client.send(HttpMethod.POST, "/v1/members", Buffer.buffer(body));
      soft.assertThat(reply.status()).as(body).isEqualTo(400);
      soft.assertThat(reply.header("content-type")).as(body).isEqualTo("application/json");
    }
    for (String id : new String[] {"0", "-1", "x", "1.5", "99999999999"}) {
      expect(soft, HttpMethod.DELETE, "/v1/members/" + id, 400, "positive integer");
      Reply reply = client.send(HttpMethod.POST, "/v1/members/" + id + "/promote", null);
      soft.assertThat(reply.status()).as("promote " + id).isEqualTo(400);
    }
    for (String body : new String[] {"{\"to\":0}", "{\"to\":\"2\"}", "nope"}) {
      Reply reply = client.send(HttpMethod.POST, "/v1/leader", Buffer.buffer(body));
      soft.assertThat(reply.status()).as(body).isEqualTo(400);
    }
    soft.assertAll();
    assertThat(node.received).isEmpty();
  }

  @Test
  void aBadRequestIdIs400() {
    Reply empty = client.send(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("v"), "X-Request-Id", "");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.error()).contains("X-Request-Id");
    Reply tooLong = client.send(HttpMethod.PUT, "/v1/kv/a", Buffer.buffer("v"),
        "X-Request-Id", "r".repeat(257));
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(node.received).isEmpty();
  }

  @Test
  void keysAndValuesOverTheLimitAre413() {
    String longestKey = "k".repeat(64);
    assertThat(client.put("/v1/kv/" + longestKey, "v").status()).isEqualTo(200);
    Reply longKey = client.put("/v1/kv/" + longestKey + "k", "v");
    assertThat(longKey.status()).isEqualTo(413);
    assertThat(longKey.header("content-type")).isEqualTo("application/json");
    assertThat(longKey.error()).contains("65 bytes");
    // 22 two-byte characters: 44 bytes, fine; 33 of them: 66 bytes, too long
    assertThat(client.put("/v1/kv/" + "%C3%A9".repeat(22), "v").status()).isEqualTo(200);
    assertThat(client.put("/v1/kv/" + "%C3%A9".repeat(33), "v").status()).isEqualTo(413);
    // a very long key still gets the JSON answer
    assertThat(client.put("/v1/kv/" + "%C3%A9".repeat(300), "v").status()).isEqualTo(413);

    Buffer largest = Buffer.buffer(new byte[4096]);
    assertThat(client.send(HttpMethod.PUT, "/v1/kv/big", largest).status()).isEqualTo(200);
    Reply tooBig = client.send(HttpMethod.PUT, "/v1/kv/big", Buffer.buffer(new byte[4097]));
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(tooBig.header("content-type")).isEqualTo("application/json");
    assertThat(tooBig.error()).contains("4096");
    assertThat(node.writes()).hasSize(3);
  }

  @Test
  void aChunkedValueOverTheLimitIs413() {
    Reply tooBig = chunkedPut("/v1/kv/big", new byte[5000]);
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(chunkedPut("/v1/kv/fits", new byte[4000]).status()).isEqualTo(200);
    assertThat(node.writes()).hasSize(1);
  }

  @Test
  void unknownRoutesAre404Json() {
    for (String uri : new String[] {"/", "/v2/kv/a", "/v1/nothing", "/v1/kvx", "/v1/cluster/x"}) {
      Reply reply = client.get(uri);
      assertThat(reply.status()).as(uri).isEqualTo(404);
      assertThat(reply.header("content-type")).as(uri).isEqualTo("application/json");
      assertThat(reply.error()).as(uri).contains("no such route");
    }
  }

  @Test
  void wrongMethodsAre405JsonWithAllow() {
    Reply post = client.send(HttpMethod.POST, "/v1/kv/a", Buffer.buffer("v"));
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("content-type")).isEqualTo("application/json");
    assertThat(post.header("Allow")).isEqualTo("GET, HEAD, PUT, DELETE");
    assertThat(post.error()).contains("POST");

    for (String uri : new String[] {"/v1/kv", "/v1/cluster", "/health"}) {
      Reply put = client.put(uri, "v");
      assertThat(put.status()).as(uri).isEqualTo(405);
      assertThat(put.header("Allow")).as(uri).isEqualTo("GET, HEAD");
      assertThat(put.json().containsKey("error")).isTrue();
    }
    assertThat(node.received).isEmpty();
  }

  @Test
  void rawUtf8InThePathIsTheKeyItSpells() throws IOException {
    String answer = rawHttp("PUT /v1/kv/caf\u00e9 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        + "Connection: close\r\n\r\nok");
    assertThat(answer).startsWith("HTTP/1.1 200");
    assertThat(client.get("/v1/kv/caf%C3%A9").text()).isEqualTo("ok");
  }

  private Reply chunkedPut(String uri, byte[] value) {
    return client.send(HttpMethod.PUT, uri, Buffer.buffer(value), "transfer-encoding", "chunked");
  }

  /** Sends bytes as they are (UTF-8), for what no HTTP client library would send. */
  private String rawHttp(String request) throws IOException {
    try (Socket socket = new Socket(FrontEndTestSupport.HOST, port)) {
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void membershipChangesFromAPageOfAnotherSiteAre403AndReachNoNode() {
    String add = "{\"id\":4,\"host\":\"127.0.0.1\",\"raftPort\":9004,\"clientPort\":9104}";
    for (String origin : new String[] {"http://evil.example", "http://127.0.0.1:1", "null"}) {
      for (String[] request : new String[][] {{"/v1/members", add}, {"/v1/leader", "{}"},
          {"/v1/members/2/promote", ""}}) {
        Reply reply = client.send(HttpMethod.POST, request[0], Buffer.buffer(request[1]),
            "Origin", origin, "Content-Type", "text/plain");
        assertThat(reply.status()).as(origin + " " + request[0]).isEqualTo(403);
        assertThat(reply.error()).contains("another site");
      }
    }
    assertThat(node.received).isEmpty();
    // the dashboard's own page (same origin) and clients that send no Origin get through
    Reply same = client.send(HttpMethod.POST, "/v1/leader", Buffer.buffer("{}"),
        "Origin", "http://127.0.0.1:" + port);
    assertThat(same.status()).isNotEqualTo(403);
    Reply noOrigin = client.send(HttpMethod.POST, "/v1/leader", Buffer.buffer("{}"));
    assertThat(noOrigin.status()).isNotEqualTo(403);
    assertThat(node.received).hasSize(2);
  }

  private void expect(SoftAssertions soft, HttpMethod method, String uri, int status, String says) {
    Reply reply = client.send(method, uri, method == HttpMethod.PUT ? Buffer.buffer("v") : null);
    String what = method + " " + uri;
    soft.assertThat(reply.status()).as(what).isEqualTo(status);
    soft.assertThat(reply.header("content-type")).as(what).isEqualTo("application/json");
    soft.assertThat(reply.error()).as(what).contains(says);
  }
}
