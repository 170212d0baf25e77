package raftkv.frontend;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import raftkv.kv.KvEvent;

/**
 * The Server-Sent Events of a watch stream (docs/API.md, "Watch"). A change is a plain {@code
 * message} event, so a browser's {@code EventSource.onmessage} sees every one; its {@code id} is
 * its revision, which a reconnecting {@code EventSource} sends back as {@code Last-Event-ID}.
 * The stream's own news are named events: {@code progress}, {@code resume} and {@code
 * compacted}.
 */
final class WatchEvents {

  private WatchEvents() {}

  /** One change; encoded once and written to every watcher it matches. */
  static Buffer change(KvEvent event) {
    JsonObject data = new JsonObject()
        .put("type", event.type() == KvEvent.Type.PUT ? "put" : "delete")
        .put("key", event.key());
    if (event.type() == KvEvent.Type.PUT) {
      data.put("value", Base64.getEncoder().encodeToString(event.value()));
    }
    data.put("revision", event.revision()).put("prevRevision", event.prevRevision())
        .put("lease", event.lease());
    return Buffer.buffer("id: " + event.revision() + "\ndata: " + data.encode() + "\n\n");
  }

  /** Every matching change up to {@code revision} was sent: resume from {@code revision + 1}. */
  static Buffer progress(long revision) {
    return Buffer.buffer("id: " + revision + "\nevent: progress\ndata: {\"revision\":" + revision
        + "}\n\n");
  }

  /**
   * The stream ends here; nothing from {@code fromRevision} on was sent. {@code reason}: {@code
   * slow} (the stream fell behind) or {@code shutdown} (the node is stopping; a gateway resumes
   * such a stream on another member by itself).
   */
  static Buffer resume(long fromRevision, String reason, String why) {
    return Buffer.buffer("event: resume\ndata: " + new JsonObject()
        .put("fromRevision", fromRevision).put("reason", reason).put("error", why).encode()
        + "\n\n");
  }

  /** The stream ends here: the changes it needs next are no longer held. */
  static Buffer compacted(long oldestRevision, long revision, String why) {
    return Buffer.buffer("event: compacted\ndata: " + new JsonObject()
        .put("oldestRevision", oldestRevision).put("revision", revision).put("error", why)
        .encode() + "\n\n");
  }
}
