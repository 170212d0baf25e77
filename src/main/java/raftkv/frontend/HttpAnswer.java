package raftkv.frontend;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A complete answer to a client: status, the headers that matter and the body. Every way a request
 * can end (the local node's reply, the leader's relayed answer, a rejected input, a timeout) is
 * first turned into one of these, and written out in one place.
 *
 * @param headers header name to value, in the order they are written
 */
public record HttpAnswer(int status, Map<String, String> headers, Buffer body) {

  static final String JSON = "application/json";
  static final String BYTES = "application/octet-stream";

  /** A JSON answer (an object or an array, already encoded). */
  public static HttpAnswer json(int status, Buffer json) {
    return new HttpAnswer(status, Map.of(ClientHeaders.CONTENT_TYPE, JSON), json);
  }

  public static HttpAnswer json(int status, JsonObject json) {
    return json(status, json.toBuffer());
  }

  /** {@code {"error": message}}, the body of every error answer. */
  public static HttpAnswer error(int status, String message) {
    return json(status, new JsonObject().put("error", message));
  }

  /** An error answer with more fields after {@code error} (such as the current revision). */
  static HttpAnswer error(int status, String message, JsonObject more) {
    return json(status, new JsonObject().put("error", message).mergeIn(more));
  }

  /** The same answer with one more header. */
  HttpAnswer withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new HttpAnswer(status, more, body);
  }

  /**
   * Writes this answer, unless the client has gone away or the response is already written
   * (then the future fails). For a {@code HEAD} request the server sends the headers alone.
   */
  public Future<Void> writeTo(HttpServerResponse response) {
    if (response.ended() || response.closed()) {
      return Future.failedFuture("the response was already written or its connection closed");
    }
    response.setStatusCode(status);
    headers.forEach(response::putHeader);
    // said explicitly, so that a HEAD's answer names the length its GET's body has
    response.putHeader("content-length", Integer.toString(body.length()));
    return response.end(body);
  }
}
