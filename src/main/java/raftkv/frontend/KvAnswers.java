package raftkv.frontend;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import raftkv.kv.KeyValue;
import raftkv.kv.KvResult;
import raftkv.node.NodeChannel;
import raftkv.node.RangeReply;
import raftkv.node.ReadReply;

/** Turns the node's replies and failures into the client's answers, as docs/API.md describes them. */
public final class KvAnswers {

  private KvAnswers() {}

  static HttpAnswer putDone(KvResult result, String key) {
    return switch (result.status()) {
      case OK -> HttpAnswer.json(200, new JsonObject().put("revision", result.revision()));
      case COMPARE_FAILED -> compareFailed(result, key);
      case REQUEST_ID_REUSED -> requestIdReused();
      default -> unexpected(result);
    };
  }

  static HttpAnswer deleteDone(KvResult result, String key) {
    return switch (result.status()) {
      case OK -> HttpAnswer.json(200,
          new JsonObject().put("revision", result.revision()).put("deleted", result.deleted()));
      case COMPARE_FAILED -> compareFailed(result, key);
      case REQUEST_ID_REUSED -> requestIdReused();
      default -> unexpected(result);
    };
  }

  /**
   * The value verbatim, with its modification revision; 404 when the key is absent. Either way
   * with the node's applied index, which tells how old a stale read may be.
   */
  static HttpAnswer value(ReadReply reply, String key) {
    KeyValue kv = reply.keyValue();
    String applied = Long.toString(reply.appliedIndex());
    if (kv == null) {
      return HttpAnswer.error(404, "no such key: '" + key + "'")
          .withHeader(ClientHeaders.APPLIED_INDEX, applied);
    }
    return new HttpAnswer(200,
        Map.of(ClientHeaders.CONTENT_TYPE, HttpAnswer.BYTES,
            ClientHeaders.REVISION, Long.toString(kv.modRevision()),
            ClientHeaders.APPLIED_INDEX, applied),
        Buffer.buffer(kv.value()));
  }

  /**
   * A JSON list of {@code {key, revision, size}} (plus {@code value}, standard base64, when asked),
   * at most {@code limit} long; the node was asked for one more to tell whether keys were left out.
   */
  static HttpAnswer listing(RangeReply reply, int limit, boolean withValues) {
    List<KeyValue> found = reply.keyValues();
    JsonArray list = new JsonArray();
    for (KeyValue kv : found.subList(0, Math.min(limit, found.size()))) {
      JsonObject item = new JsonObject()
          .put("key", kv.key())
          .put("revision", kv.modRevision())
          .put("size", kv.value().length);
      if (withValues) item.put("value", Base64.getEncoder().encodeToString(kv.value()));
      list.add(item);
    }
    HttpAnswer answer = HttpAnswer.json(200, list.toBuffer())
        .withHeader(ClientHeaders.APPLIED_INDEX, Long.toString(reply.appliedIndex()));
    return found.size() > limit ? answer.withHeader(ClientHeaders.MORE_KEYS, "true") : answer;
  }

  private static HttpAnswer compareFailed(KvResult result, String key) {
    String now = result.revision() == 0 ? "absent" : "at revision " + result.revision();
    return HttpAnswer.error(412, "comparison failed: key '" + key + "' is " + now,
        new JsonObject().put("revision", result.revision()));
  }

  /** 422: the request id stands for another request (docs/API.md, exactly-once). */
  private static HttpAnswer requestIdReused() {
    return HttpAnswer.error(422, "this X-Request-Id was already used for a different request"
        + " (another key, value, method or condition) and is still remembered; nothing was"
        + " written: give every new request a new id");
  }

  /** A result the front end never asks for (an invalid command, a no-op): a bug somewhere. */
  private static HttpAnswer unexpected(KvResult result) {
    return HttpAnswer.error(500, "internal error: the node answered " + result);
  }

  /** 503: nothing was written. */
  public static HttpAnswer unavailable(String why) {
    return HttpAnswer.error(503, why + "; nothing was written, retry");
  }

  /** 504: a write that may or may not be committed. */
  public static HttpAnswer outcomeUnknown(String why) {
    return HttpAnswer.error(504, why + "; the write may or may not be committed,"
        + " retry with the same X-Request-Id");
  }

  /** 429: too busy; nothing was written. */
  static HttpAnswer overloaded(String why) {
    return HttpAnswer.error(429, why + "; back off and retry, nothing was written");
  }

  /** A request that failed in a way that does not say what happened: 504 for writes, else 503. */
  static HttpAnswer failedUnknown(String why, boolean write) {
    return write ? outcomeUnknown(why) : unavailable(why);
  }

  /**
   * The answer to a failed request to the local node (other than "not the leader", which the
   * caller handles by forwarding).
   */
  static HttpAnswer nodeFailure(Throwable failure, boolean write, String node) {
    if (!(failure instanceof ReplyException reply)) {
      return failedUnknown(node + " failed: " + failure, write);
    }
    return switch (reply.failureType()) {
      case NO_HANDLERS -> unavailable(node + " is not running"); // no NodeChannel sends it today
      case TIMEOUT -> failedUnknown(node + " did not answer in time", write);
      case RECIPIENT_FAILURE, ERROR -> recipientFailure(reply, write, node);
    };
  }

  private static HttpAnswer recipientFailure(ReplyException reply, boolean write, String node) {
    String what = reply.getMessage() == null ? "" : ": " + reply.getMessage();
    return switch (reply.failureCode()) {
      case NodeChannel.NOT_LEADER -> unavailable(node + " does not lead and knows no leader");
      case NodeChannel.UNAVAILABLE -> unavailable("no leader reachable right now" + what);
      case NodeChannel.OVERLOADED -> overloaded(reply.getMessage() != null ? reply.getMessage()
          : node + " refuses new work for now");
      case NodeChannel.OUTCOME_UNKNOWN -> failedUnknown("leadership changed while the write was"
          + " in flight" + what, write);
      case NodeChannel.CONFLICT, NodeChannel.BAD_REQUEST, NodeChannel.NOT_FOUND ->
          HttpAnswer.error(reply.failureCode(), reply.getMessage());
      default -> failedUnknown(node + " failed (code " + reply.failureCode() + what + ")", write);
    };
  }
}
