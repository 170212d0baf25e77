package raftkv.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * etcd 3.4's v3 JSON gateway: {@code POST /v3/kv/put} with {@code {"key": b64, "value": b64}} and
 * {@code POST /v3/kv/range} with {@code {"key": b64}}, plus {@code "serializable": true} for stale
 * reads (served by the answering member without a quorum round, like raftkv's stale reads).
 *
 * <p>The gateway can answer 200 with {@code {"error": ..., "code": N}} in the body; that is an
 * error. A range with no {@code kvs} is an absent key: a success.
 */
final class EtcdTarget implements Target {

  private static final String JSON = "application/json";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final byte[] ERROR_FIELD = "\"error\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CODE_FIELD = "\"code\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KVS_FIELD = "\"kvs\"".getBytes(StandardCharsets.US_ASCII);

  private final String valueBase64;
  private final String rangeSuffix;

  EtcdTarget(byte[] value, boolean linearizable) {
    this.valueBase64 = Base64.getEncoder().encodeToString(value);
    this.rangeSuffix = linearizable ? "\"}" : "\",\"serializable\":true}";
  }

  @Override
  public HttpCall call(Operation op, String basePath) {
    // base64 has no characters that JSON must escape, so plain concatenation is valid JSON
    String key = Base64.getEncoder().encodeToString(op.key().getBytes(StandardCharsets.UTF_8));
    if (op.isRead()) {
      return new HttpCall(HttpMethod.POST, basePath + "/v3/kv/range",
          Buffer.buffer("{\"key\":\"" + key + rangeSuffix), JSON);
    }
    return new HttpCall(HttpMethod.POST, basePath + "/v3/kv/put",
        Buffer.buffer("{\"key\":\"" + key + "\",\"value\":\"" + valueBase64 + "\"}"), JSON);
  }

  @Override
  public Outcome judge(Operation op, int status, Buffer body) {
    if (status != 200) return Outcome.httpStatus(status, body == null ? null : body.toString());
    byte[] bytes = body == null ? new byte[0] : body.getBytes();
    // Keys and values are base64 inside the answer, so these names can only be field names;
    // the full parse is paid only when one of them shows up.
    if (contains(bytes, ERROR_FIELD) || contains(bytes, CODE_FIELD)) {
      Outcome error = errorIn(bytes);
      if (error != null) return error;
    }
    return op.isRead() && !contains(bytes, KVS_FIELD) ? Outcome.NOT_FOUND : Outcome.OK;
  }

  private static Outcome errorIn(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    try {
      JsonNode root = MAPPER.readTree(bytes);
      if (root == null || !root.isObject()) {
        return Outcome.error("HTTP 200 not a JSON object", text);
      }
      if (!root.has("error") && !root.has("code")) return null;
      JsonNode code = root.get("code");
      return Outcome.error(code == null ? "HTTP 200 with error" : "HTTP 200 with error code "
          + code.asText(), text);
    } catch (IOException e) {
      return Outcome.error("HTTP 200 not JSON", text);
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) continue outer;
      }
      return true;
    }
    return false;
  }
}
