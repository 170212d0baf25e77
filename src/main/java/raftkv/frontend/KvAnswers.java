package raftkv.frontend;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import raftkv.kv.KeyValue;
import raftkv.kv.KvResult;
import raftkv.node.NodeFailure;
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
      case LEASE_NOT_FOUND -> LeaseAnswers.notFound(result.lease(), "nothing was written: grant"
          + " a new lease (POST /v1/leases) and put the key with it");
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
   * A JSON list of {@code {key, revision, size}} (plus {@code value}, standard base64, when asked);
   * when keys remain after the page, {@link ClientHeaders#MORE_KEYS} and the cursor for the next
   * page, {@link ClientHeaders#NEXT_AFTER} (the last key, percent-encoded for {@code after=}).
   */
  static HttpAnswer listing(RangeReply reply, boolean withValues) {
    List<KeyValue> found = reply.keyValues();
    JsonArray list = new JsonArray();
    for (KeyValue kv : found) {
      JsonObject item = new JsonObject()
          .put("key", kv.key())
          .put("revision", kv.modRevision())
          .put("size", kv.value().length);
      if (withValues) item.put("value", Base64.getEncoder().encodeToString(kv.value()));
      list.add(item);
    }
    HttpAnswer answer = HttpAnswer.json(200, list.toBuffer())
        .withHeader(ClientHeaders.APPLIED_INDEX, Long.toString(reply.appliedIndex()));
    if (!reply.more() || found.isEmpty()) return answer;
    String last = found.get(found.size() - 1).key();
    return answer.withHeader(ClientHeaders.MORE_KEYS, "true")
        .withHeader(ClientHeaders.NEXT_AFTER, PercentEncoder.encodeKey(last));
  }

  private static HttpAnswer compareFailed(KvResult result, String key) {
    String now = result.revision() == 0 ? "absent" : "at revision " + result.revision();
    return HttpAnswer.error(412, "comparison failed: key '" + key + "' is " + now,
        new JsonObject().put("revision", result.revision()));
  }

  /** 422: the request id stands for another request (docs/API.md, exactly-once). */
  static HttpAnswer requestIdReused() {
    return HttpAnswer.error(422, "this X-Request-Id was already used for a different request"
        + " (another key, value, method or condition) and is still remembered; nothing was"
        + " written: give every new request a new id");
  }

  /** A result the front end never asks for (an invalid command, a no-op): a bug somewhere. */
  static HttpAnswer unexpected(KvResult result) {
    return HttpAnswer.error(500, "internal error: the node answered " + result);
  }

  /**
   * What a request is, as far as the advice of a failure goes: whether anything may have been
   * written, and whether the client can retry a write safely (it sent an {@code X-Request-Id}).
   */
  public enum Kind {
    READ,
    WRITE,
    WRITE_WITH_ID,
    /** A membership change or leadership transfer: repeating one already made changes nothing. */
    CHANGE;

    /** A key-value write, with the client's request id or none (null). */
    static Kind write(String requestId) {
      return requestId == null ? WRITE : WRITE_WITH_ID;
    }
  }

  /** 503: the request was not served; nothing was written. */
  public static HttpAnswer unavailable(String why, Kind kind) {
    return HttpAnswer.error(503, why + (kind == Kind.READ
        ? "; the read was not served, retry" : "; nothing was written, retry"));
  }

  /** 504 for a write whose fate is unknown (503 for a read, which changes nothing). */
  public static HttpAnswer outcomeUnknown(String why, Kind kind) {
    return switch (kind) {
      case READ -> unavailable(why, kind);
      case WRITE_WITH_ID -> HttpAnswer.error(504, why + "; the write may or may not be"
          + " committed: retry with the same X-Request-Id");
      case WRITE -> HttpAnswer.error(504, why + "; the write may or may not be committed: read"
          + " the key to learn which (send an X-Request-Id with each write to make retries safe)");
      case CHANGE -> HttpAnswer.error(504, why + "; the change may or may not be made: see GET"
          + " /v1/members, or repeat it (a change already made answers \"changed\": false)");
    };
  }

  /** 429: too busy; nothing was written. */
  static HttpAnswer overloaded(String why) {
    return HttpAnswer.error(429, why + "; back off and retry, nothing was written");
  }

  /**
   * The answer to a failed request to the local node (other than "not the leader", which the
   * caller handles by forwarding).
   */
  static HttpAnswer nodeFailure(Throwable failure, Kind kind, String node) {
    if (failure instanceof NodeFailure.NotLeader notLeader) {
      return unavailable(node + " does not lead and " + (notLeader.leader().known()
          ? "cannot pass the request on to " + notLeader.leader() : "knows no leader"), kind);
    }
    if (failure instanceof NodeFailure.Unavailable unavailable) {
      return unavailable(unavailable.getMessage(), kind);
    }
    if (failure instanceof NodeFailure.OutcomeUnknown unknown) {
      return outcomeUnknown(node + ": " + unknown.getMessage(), kind);
    }
    if (failure instanceof NodeFailure.Overloaded overloaded) {
      return overloaded(overloaded.getMessage());
    }
    if (failure instanceof NodeFailure.Refused refused) {
      return HttpAnswer.error(refused.status(), refused.getMessage());
    }
    return outcomeUnknown(node + " failed: " + failure, kind);
  }
}
