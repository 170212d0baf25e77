package raftkv.frontend;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import raftkv.kv.KvResult;
import raftkv.node.LeaseReply;

/** The client's answers to the lease routes, as docs/API.md describes them. */
final class LeaseAnswers {

  private LeaseAnswers() {}

  static HttpAnswer granted(KvResult result) {
    return switch (result.status()) {
      case OK -> HttpAnswer.json(200,
          new JsonObject().put("id", result.lease()).put("ttlMs", result.ttlMs()));
      case REQUEST_ID_REUSED -> KvAnswers.requestIdReused();
      default -> KvAnswers.unexpected(result);
    };
  }

  static HttpAnswer revoked(KvResult result) {
    return switch (result.status()) {
      case OK -> HttpAnswer.json(200, new JsonObject().put("revision", result.revision())
          .put("deletedKeys", result.deletedKeys()));
      case LEASE_NOT_FOUND -> notFound(result.lease(), "nothing was changed");
      case REQUEST_ID_REUSED -> KvAnswers.requestIdReused();
      default -> KvAnswers.unexpected(result);
    };
  }

  static HttpAnswer keptAlive(LeaseReply reply) {
    if (!reply.exists()) {
      return notFound(reply.lease(), "its keys are deleted (or about to be): grant a new lease"
          + " and put them again");
    }
    return HttpAnswer.json(200, new JsonObject().put("id", reply.lease())
        .put("ttlMs", reply.ttlMs()));
  }

  static HttpAnswer status(LeaseReply reply) {
    if (!reply.exists()) return notFound(reply.lease(), "it has no keys");
    JsonObject body = new JsonObject().put("id", reply.lease()).put("ttlMs", reply.ttlMs())
        .put("remainingMs", reply.remainingMs()).put("keyCount", reply.keyCount())
        .put("keys", new JsonArray(reply.keys()));
    if (reply.keyCount() > reply.keys().size()) body.put("moreKeys", true);
    return HttpAnswer.json(200, body);
  }

  /** 404: no such lease. */
  static HttpAnswer notFound(long lease, String consequence) {
    return HttpAnswer.error(404, "lease " + lease + " does not exist (it expired, was revoked"
        + " or was never granted); " + consequence, new JsonObject().put("lease", lease));
  }
}
