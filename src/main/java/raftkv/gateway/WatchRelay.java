package raftkv.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import raftkv.config.NodeConfig.Member;
import raftkv.frontend.HttpAnswer;

/**
 * One watch stream through the gateway: the gateway has no history of its own, so it relays a
 * member's stream, and when that member goes away (killed, cut off, silent, shutting down) it
 * resumes the stream on another member from the revision after the last one it passed on. The
 * client sees one unbroken stream of the members' events.
 *
 * <p>Events are passed on whole: bytes are held until the blank line that ends an event, so a
 * member that dies mid-event leaves no half event in the client's stream, and the resume point
 * moves only with an event passed on (its {@code id:}, or the stream's opening comment, which
 * names the revision it starts at). A member's {@code resume} for a slow stream and its {@code
 * compacted} are its word to the client and end the stream; its {@code resume} for a shutdown is
 * not passed on: the relay resumes elsewhere. Backpressure: a client that does not take events
 * pauses the member's stream, so the member decides when it is too slow, as for its own
 * watchers.
 */
final class WatchRelay {

  private static final String OPENING = ": watching from revision ";
  private static final long FIRST_BACKOFF_MS = 100;
  private static final byte[] EVENT_END = {'\n', '\n'};

  private final Vertx vertx;
  private final HttpClient client;
  private final Supplier<Future<List<Member>>> members;
  private final String keyOrPrefixQuery;
  private final HttpServerResponse downstream;
  private final int maxAttempts;
  /** A member that sends nothing for this long (not even progress) is given up. */
  private final long silenceMs;
  private final Runnable onEnd;
  private final String authorization;
  /** The next revision the client needs; 0 until the first member named where it starts. */
  private long next;
  private boolean headersSent;
  private boolean ended;
  private int attempt;
  /** Streams opened so far: each resume starts at the next member. */
  private int resumes;
  private final int firstChoice = ThreadLocalRandom.current().nextInt(1 << 16);
  /** Bumped per member stream, so that its end (reported twice: stream, connection) counts once. */
  private int stream;
  private HttpClientResponse upstream;
  private Buffer pending = Buffer.buffer();
  private long lastHeardNanos;
  private long silenceTimer = -1;

  /**
   * @param members the members that answer polls, freshly looked up
   * @param keyOrPrefixQuery {@code key=...} or {@code prefix=...}, percent-encoded
   * @param onEnd told once the client's stream is over
   */
  WatchRelay(Vertx vertx, HttpClient client, Supplier<Future<List<Member>>> members,
      String keyOrPrefixQuery, long fromRevision, RoutingContext rc, int maxAttempts,
      long silenceMs, Runnable onEnd) {
    this.vertx = vertx;
    this.client = client;
    this.members = members;
    this.keyOrPrefixQuery = keyOrPrefixQuery;
    this.next = fromRevision;
    this.downstream = rc.response();
    // the client's token goes on to the member, which checks it
    this.authorization = rc.request().getHeader(io.vertx.core.http.HttpHeaders.AUTHORIZATION);
    this.maxAttempts = maxAttempts;
    this.silenceMs = silenceMs;
    this.onEnd = onEnd;
    rc.addEndHandler(done -> finish());
  }

  void start() {
    connect();
  }

  private void connect() {
    if (ended) return;
    int thisAttempt = attempt++;
    members.get().onComplete(found -> {
      if (ended) return;
      List<Member> candidates = found.succeeded() ? found.result() : List.of();
      if (candidates.isEmpty()) {
        retryOrGiveUp("no member answers");
        return;
      }
      // spread the gateway's streams over the members, and try another on each retry
      Member member = candidates.get((firstChoice + resumes + thisAttempt) % candidates.size());
      String uri = "/v1/watch?" + keyOrPrefixQuery + (next > 0 ? "&fromRevision=" + next : "");
      RequestOptions upstream = new RequestOptions().setMethod(HttpMethod.GET)
          .setHost(member.host()).setPort(member.clientPort()).setURI(uri);
      if (authorization != null) {
        upstream.putHeader(io.vertx.core.http.HttpHeaders.AUTHORIZATION, authorization);
      }
      client.request(upstream)
          .compose(request -> request.send())
          .onComplete(sent -> {
            if (sent.failed()) {
              retryOrGiveUp("node " + member.id() + ": " + sent.cause().getMessage());
            } else if (ended) {
              sent.result().request().connection().close(); // the client left meanwhile
            } else {
              relay(member, sent.result());
            }
          });
    });
  }

  private void relay(Member member, HttpClientResponse response) {
    if (response.statusCode() != 200) {
      refused(member, response);
      return;
    }
    upstream = response;
    pending = Buffer.buffer();
    attempt = 0; // a member serves: the next loss starts its retries afresh
    if (!headersSent) {
      headersSent = true;
      downstream.setChunked(true).setStatusCode(200)
          .putHeader("content-type", "text/event-stream")
          .putHeader("cache-control", "no-cache");
    }
    int thisStream = ++stream;
    resumes++;
    heard();
    watchForSilence(member, thisStream);
    downstream.drainHandler(v -> {
      heard();
      response.resume();
    });
    response.handler(chunk -> {
      if (ended || thisStream != stream) return;
      heard();
      pending.appendBuffer(chunk);
      passOnWholeEvents(member, thisStream);
      if (downstream.writeQueueFull()) response.pause();
    });
    response.exceptionHandler(e -> { }); // the end handler or the connection's close follows
    response.endHandler(v -> upstreamEnded(member, thisStream, "ended the stream"));
    response.request().connection().closeHandler(v ->
        upstreamEnded(member, thisStream, "closed the connection"));
  }

  private void heard() {
    lastHeardNanos = System.nanoTime();
  }

  /** A member that sends nothing, not even progress, is frozen or cut off: resume elsewhere. */
  private void watchForSilence(Member member, int thisStream) {
    if (silenceTimer >= 0) vertx.cancelTimer(silenceTimer);
    silenceTimer = vertx.setPeriodic(Math.max(100, silenceMs / 4), id -> {
      if (ended || thisStream != stream) {
        vertx.cancelTimer(id);
        return;
      }
      boolean clientPaused = downstream.writeQueueFull();
      if (!clientPaused && System.nanoTime() - lastHeardNanos > silenceMs * 1_000_000) {
        vertx.cancelTimer(id);
        upstream.request().connection().close();
        upstreamEnded(member, thisStream, "sent nothing for " + silenceMs + " ms");
      }
    });
  }

  /** Writes every complete event held, and learns the resume point from each. */
  private void passOnWholeEvents(Member member, int thisStream) {
    int start = 0;
    int end;
    while ((end = indexOf(pending, EVENT_END, start)) >= 0) {
      Buffer event = pending.getBuffer(start, end + 2);
      start = end + 2;
      String text = event.toString(StandardCharsets.UTF_8);
      if (text.startsWith("event: resume") && text.contains("\"reason\":\"shutdown\"")) {
        // the member is stopping: its point to resume from is ours; carry on elsewhere
        upstream.request().connection().close();
        upstreamEnded(member, thisStream, "is shutting down");
        return;
      }
      learnResumePoint(text);
      downstream.write(event);
      if (text.startsWith("event: resume") || text.startsWith("event: compacted")) {
        finishWith(null); // the member's last word to the client: a slow stream, history gone
        return;
      }
    }
    pending = start == 0 ? pending : pending.getBuffer(start, pending.length());
  }

  private void learnResumePoint(String event) {
    for (String line : event.split("\n")) {
      if (line.startsWith("id: ")) {
        next = Long.parseLong(line.substring(4).trim()) + 1;
      } else if (line.startsWith(OPENING) && next == 0) {
        next = Long.parseLong(line.substring(OPENING.length()).trim());
      }
    }
  }

  private static int indexOf(Buffer buffer, byte[] what, int from) {
    for (int i = Math.max(from, 0); i + what.length <= buffer.length(); i++) {
      boolean match = true;
      for (int j = 0; j < what.length && match; j++) match = buffer.getByte(i + j) == what[j];
      if (match) return i;
    }
    return -1;
  }

  private void upstreamEnded(Member member, int whichStream, String what) {
    if (ended || whichStream != stream) return;
    stream++;
    retryOrGiveUp("node " + member.id() + " " + what);
  }

  /** A member that refused: its answer goes to the client if nothing was streamed yet. */
  private void refused(Member member, HttpClientResponse response) {
    int status = response.statusCode();
    response.body().onComplete(body -> {
      if (ended) return;
      Buffer text = body.succeeded() ? body.result() : Buffer.buffer("{}");
      if (status >= 500) {
        retryOrGiveUp("node " + member.id() + " answered " + status);
      } else if (!headersSent) {
        downstream.setStatusCode(status).putHeader("content-type", "application/json")
            .end(text);
        finish();
      } else {
        // a resumed stream refused (410): the client must start over
        finishWith(Buffer.buffer("event: compacted\ndata: ").appendBuffer(text)
            .appendString("\n\n"));
      }
    });
  }

  private void retryOrGiveUp(String why) {
    if (ended) return;
    if (attempt >= maxAttempts) {
      if (!headersSent) {
        HttpAnswer.error(503, "the gateway could not open a watch on any member (" + why
            + "); retry").writeTo(downstream);
        finish();
      } else {
        finishWith(Buffer.buffer("event: resume\ndata: " + new JsonObject()
            .put("fromRevision", next).put("reason", "unavailable")
            .put("error", "the gateway lost its member (" + why + ") and found no other;"
                + " reconnect with this fromRevision").encode() + "\n\n"));
      }
      return;
    }
    long backoff = FIRST_BACKOFF_MS << Math.min(attempt, 4);
    vertx.setTimer(backoff, id -> connect());
  }

  /** Ends the client's stream, after {@code last} (null: nothing more). */
  private void finishWith(Buffer last) {
    if (ended) return;
    if (last != null) downstream.write(last);
    downstream.end();
    finish();
  }

  /** The client's stream is over (ended here, or the client left): let the member go. */
  private void finish() {
    if (ended) return;
    ended = true;
    if (silenceTimer >= 0) vertx.cancelTimer(silenceTimer);
    if (upstream != null) upstream.request().connection().close();
    onEnd.run();
  }

  /** The gateway stops: the client is told where to resume. */
  void close() {
    if (ended) return;
    if (!headersSent) {
      HttpAnswer.error(503, "the gateway is shutting down; watch through another").writeTo(
          downstream);
      finish();
      return;
    }
    finishWith(Buffer.buffer("event: resume\ndata: " + new JsonObject().put("fromRevision", next)
        .put("reason", "shutdown").put("error", "the gateway is shutting down; reconnect with"
            + " this fromRevision").encode() + "\n\n"));
  }
}
