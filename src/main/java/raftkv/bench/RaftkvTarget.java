package raftkv.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;

/**
 * raftkv's client API: {@code PUT /v1/kv/{key}} with the value as the body, and {@code GET
 * /v1/kv/{key}?consistency=...}. A 404 to a read is a correct answer (the key was never
 * written), so it counts as a success; a 404 to a write does not.
 */
final class RaftkvTarget implements Target {

  private static final String OCTETS = "application/octet-stream";

  private final Buffer value;
  private final String readQuery;

  RaftkvTarget(byte[] value, boolean linearizable) {
    // one shared buffer: Vert.x sends a slice of it, so concurrent requests do not disturb it
    this.value = Buffer.buffer(value);
    this.readQuery = "?consistency=" + (linearizable ? "linearizable" : "stale");
  }

  @Override
  public HttpCall call(Operation op, String basePath) {
    String path = basePath + "/v1/kv/" + encodePathSegment(op.key());
    return op.isRead()
        ? new HttpCall(HttpMethod.GET, path + readQuery, null, null)
        : new HttpCall(HttpMethod.PUT, path, value, OCTETS);
  }

  @Override
  public Outcome judge(Operation op, int status, Buffer body) {
    if (status == 200) return Outcome.OK;
    if (status == 404 && op.isRead()) return Outcome.NOT_FOUND;
    return Outcome.httpStatus(status, body == null ? null : body.toString());
  }

  /**
   * Percent-encodes everything but RFC 3986's unreserved characters. The API would take a raw
   * {@code /} in a key too, but URL normalization along the way may not, so it is escaped.
   */
  static String encodePathSegment(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || c == '-' || c == '.' || c == '_' || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
