package raftkv.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import raftkv.config.NodeConfig.Member;
import raftkv.frontend.HttpAnswer;

/**
 * One watch stream through the gateway: the gateway has no history of its own, so it relays a
 * member's stream, and when that member goes away (killed, cut off, shutting down) it resumes
 * the stream on another member from the revision after the last one it passed on. The client
 * sees one unbroken stream; the events are the members', byte for byte.
 *
 * <p>It reads the {@code id:} lines going past (and the stream's opening comment, which names
 * the revision it starts at) to know where to resume. A {@code resume} or {@code compacted}
 * event from the member is the member's word to the client and is passed on as it is, and the
 * stream ends. Backpressure: a client that does not take events pauses the member's stream,
 * so the member decides when it is too slow, as it does for its own watchers.
 */
final class WatchRelay {

  private static final String OPENING = ": watching from revision ";
  private static final long FIRST_BACKOFF_MS = 100;

  private final Vertx vertx;
  private final HttpClient client;
  private final Function<Integer, Future<List<Member>>> members;
  private final String keyOrPrefixQuery;
  private final HttpServerResponse downstream;
  private final int maxAttempts;
  /** The next revision the client needs; 0 until the first member named where it starts. */
  private long next;
  private boolean headersSent;
  private boolean ended;
  private String lastEvent = "";
  private final StringBuilder partialLine = new StringBuilder();
  private int attempt;
  /** Bumped per member stream, so that its end (reported twice: stream, connection) counts once. */
  private int stream;

  /**
   * @param members the members to try, freshest view first ({@code attempt} → members)
   * @param keyOrPrefixQuery {@code key=...} or {@code prefix=...}, percent-encoded
   */
  WatchRelay(Vertx vertx, HttpClient client, Function<Integer, Future<List<Member>>> members,
      String keyOrPrefixQuery, long fromRevision, HttpServerResponse downstream,
      int maxAttempts) {
    this.vertx = vertx;
    this.client = client;
    this.members = members;
    this.keyOrPrefixQuery = keyOrPrefixQuery;
    this.next = fromRevision;
    this.downstream = downstream;
    this.maxAttempts = maxAttempts;
    downstream.closeHandler(v -> ended = true);
  }

  void start() {
    connect();
  }

  private void connect() {
    if (ended) return;
    int thisAttempt = attempt++;
    members.apply(thisAttempt).onComplete(found -> {
      List<Member> candidates = found.succeeded() ? found.result() : List.of();
      if (candidates.isEmpty()) {
        retryOrGiveUp("no member answers");
        return;
      }
      Member member = candidates.get(thisAttempt % candidates.size());
      String uri = "/v1/watch?" + keyOrPrefixQuery + (next > 0 ? "&fromRevision=" + next : "");
      client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(member.host())
              .setPort(member.clientPort()).setURI(uri))
          .compose(request -> request.send())
          .onComplete(sent -> {
            if (sent.failed()) {
              retryOrGiveUp("node " + member.id() + ": " + sent.cause().getMessage());
            } else {
              relay(member, sent.result());
            }
          });
    });
  }

  private void relay(Member member, HttpClientResponse upstream) {
    if (upstream.statusCode() != 200) {
      refused(member, upstream);
      return;
    }
    attempt = 0;
    if (!headersSent) {
      headersSent = true;
      downstream.setChunked(true).setStatusCode(200)
          .putHeader("content-type", "text/event-stream")
          .putHeader("cache-control", "no-cache");
    }
    downstream.drainHandler(v -> upstream.resume());
    upstream.handler(chunk -> {
      if (ended) return;
      track(chunk);
      downstream.write(chunk);
      if (downstream.writeQueueFull()) upstream.pause();
    });
    int thisStream = ++stream;
    upstream.exceptionHandler(e -> { }); // the end handler or the connection's close follows
    upstream.endHandler(v -> upstreamEnded(member, thisStream));
    upstream.request().connection().closeHandler(v -> upstreamEnded(member, thisStream));
    downstream.closeHandler(v -> {
      ended = true;
      upstream.request().connection().close();
    });
  }

  /** Learns the resume point from the lines going past. */
  private void track(Buffer chunk) {
    partialLine.append(chunk.toString(StandardCharsets.UTF_8));
    int newline;
    while ((newline = partialLine.indexOf("\n")) >= 0) {
      String line = partialLine.substring(0, newline);
      partialLine.delete(0, newline + 1);
      if (line.startsWith("id: ")) {
        next = Long.parseLong(line.substring(4).trim()) + 1;
      } else if (line.startsWith(OPENING) && next == 0) {
        next = Long.parseLong(line.substring(OPENING.length()).trim());
      } else if (line.startsWith("event: ")) {
        lastEvent = line.substring(7).trim();
      } else if (line.isEmpty()) {
        if (!lastEvent.equals("resume") && !lastEvent.equals("compacted")) lastEvent = "";
      }
    }
  }

  private void upstreamEnded(Member member, int whichStream) {
    if (ended || whichStream != stream) return;
    stream++;
    if (lastEvent.equals("resume") || lastEvent.equals("compacted")) {
      // the member's last word (a slow client, history gone): the client decides what next
      ended = true;
      downstream.end();
      return;
    }
    partialLine.setLength(0);
    retryOrGiveUp("node " + member.id() + " ended the stream");
  }

  /** A member that refused: its answer goes to the client if nothing was streamed yet. */
  private void refused(Member member, HttpClientResponse upstream) {
    int status = upstream.statusCode();
    upstream.body().onComplete(body -> {
      if (ended) return;
      if (status == 503 || status >= 500) {
        retryOrGiveUp("node " + member.id() + " answered " + status);
      } else if (!headersSent) {
        ended = true;
        downstream.setStatusCode(status).putHeader("content-type", "application/json")
            .end(body.succeeded() ? body.result() : Buffer.buffer());
      } else {
        ended = true; // a resumed stream refused (410): the client must start over
        downstream.end("event: compacted\ndata: " + (body.succeeded() ? body.result().toString()
            : "{}") + "\n\n");
      }
    });
  }

  private void retryOrGiveUp(String why) {
    if (ended) return;
    if (attempt >= maxAttempts) {
      ended = true;
      if (!headersSent) {
        HttpAnswer.error(503, "the gateway could not open a watch on any member (" + why
            + "); retry").writeTo(downstream);
      } else {
        downstream.end("event: resume\ndata: {\"fromRevision\":" + next + ",\"error\":\""
            + "the gateway lost its member and found no other; reconnect with this"
            + " fromRevision\"}\n\n");
      }
      return;
    }
    long backoff = FIRST_BACKOFF_MS << Math.min(attempt, 4);
    vertx.setTimer(backoff, id -> connect());
  }
}
