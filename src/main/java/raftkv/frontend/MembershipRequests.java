package raftkv.frontend;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import raftkv.node.NodeRequest;

/**
 * Reads the membership routes of docs/API.md into {@link NodeRequest}s: {@code GET /v1/members},
 * {@code POST /v1/members} (add a learner), {@code POST /v1/members/{id}/promote}, {@code DELETE
 * /v1/members/{id}} and {@code POST /v1/leader}. A malformed request is refused with 400 and
 * reaches no node.
 */
final class MembershipRequests {

  private MembershipRequests() {}

  static NodeRequest add(RoutingContext rc) {
    JsonObject body = jsonBody(rc, true);
    int id = positiveInt(body, "id");
    Object host = body.getValue("host");
    if (!(host instanceof String h) || h.isBlank() || h.chars().anyMatch(c -> c <= ' ')) {
      throw bad("'host' must be a host name or address without spaces");
    }
    return new NodeRequest.AddLearner(id, (String) host, port(body, "raftPort"),
        port(body, "clientPort"));
  }

  static NodeRequest promote(RoutingContext rc) {
    return new NodeRequest.Promote(pathId(rc));
  }

  static NodeRequest remove(RoutingContext rc) {
    return new NodeRequest.Remove(pathId(rc));
  }

  static NodeRequest transfer(RoutingContext rc) {
    JsonObject body = jsonBody(rc, false);
    return new NodeRequest.TransferLeader(body.containsKey("to") ? positiveInt(body, "to") : 0);
  }

  private static int pathId(RoutingContext rc) {
    String id = rc.pathParam("id");
    try {
      int value = Integer.parseInt(id);
      if (value > 0) return value;
    } catch (NumberFormatException e) {
      // refused below
    }
    throw bad("the member id in the path must be a positive integer, got '" + id + "'");
  }

  private static JsonObject jsonBody(RoutingContext rc, boolean required) {
    Buffer buffer = BodyReader.body(rc);
    if (buffer.length() == 0) {
      if (required) throw bad("the body must be a JSON object");
      return new JsonObject();
    }
    try {
      return buffer.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw bad("the body must be a JSON object");
    }
  }

  private static int positiveInt(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v instanceof Integer i && i > 0) return i;
    throw bad("'" + field + "' must be a positive integer");
  }

  private static int port(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v instanceof Integer i && i >= 1 && i <= 65_535) return i;
    throw bad("'" + field + "' must be a port number (1-65535)");
  }

  private static RejectedRequest bad(String why) {
    return RejectedRequest.badRequest(why);
  }
}
