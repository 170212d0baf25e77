package raftkv.frontend;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * What of a client's HTTP request is passed on when it is forwarded to another front end: the
 * method, the path with its query (as the client sent them, byte for byte), the request id (and
 * the retention a gateway asked for it) and the body.
 *
 * @param method the client's method; a {@code HEAD} is sent on as a {@code GET}, whose headers
 *     the front end then answers without the body
 * @param uri the path and query, ASCII ({@link PercentEncoder#asciiUri})
 * @param idRetention the {@link ClientHeaders#REQUEST_ID_RETENTION} header, or null
 * @param body the value of a PUT (never null for a PUT), the JSON of a POST (a lease grant, a
 *     membership request); null for reads
 * @param kind what the client asked, for the advice of a failure: a gateway's made-up request id
 *     does not make the client's write one it can retry
 * @param forwardedBy the {@link ClientHeaders#FORWARDED_BY} header the request arrived with, or
 *     null when a client sent it directly
 * @param authorization the client's {@code Authorization} header, or null: passed on, so that
 *     the front end that serves the request checks the client's token itself
 */
public record ForwardableRequest(
    HttpMethod method, String uri, String requestId, String idRetention, Buffer body,
    KvAnswers.Kind kind, String forwardedBy, String authorization) {

  /** Never shows the client's token: a request may be logged. */
  @Override
  public String toString() {
    return "ForwardableRequest[" + method + " " + uri + ", requestId=" + requestId + "]";
  }

  /** Captures {@code rc}'s request; {@code parsed} is what the parser made of it. */
  static ForwardableRequest of(RoutingContext rc, KvRequest parsed) {
    HttpMethod method = rc.request().method();
    return new ForwardableRequest(sentOnAs(method), uri(rc),
        rc.request().getHeader(ClientHeaders.REQUEST_ID),
        rc.request().getHeader(ClientHeaders.REQUEST_ID_RETENTION),
        method == HttpMethod.PUT || method == HttpMethod.POST ? BodyReader.body(rc) : null,
        parsed.kind(),
        rc.request().getHeader(ClientHeaders.FORWARDED_BY),
        rc.request().getHeader(io.vertx.core.http.HttpHeaders.AUTHORIZATION));
  }

  /** Captures a membership request ({@code /v1/members}, {@code /v1/leader}) with its body. */
  static ForwardableRequest membership(RoutingContext rc) {
    HttpMethod method = rc.request().method();
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
    return new ForwardableRequest(sentOnAs(method), uri(rc), null, null,
        read ? null : BodyReader.body(rc), read ? KvAnswers.Kind.READ : KvAnswers.Kind.CHANGE,
        rc.request().getHeader(ClientHeaders.FORWARDED_BY),
        rc.request().getHeader(io.vertx.core.http.HttpHeaders.AUTHORIZATION));
  }

  private static HttpMethod sentOnAs(HttpMethod method) {
    return method == HttpMethod.HEAD ? HttpMethod.GET : method;
  }

  private static String uri(RoutingContext rc) {
    String query = rc.request().query();
    return PercentEncoder.asciiUri(rc.request().path() + (query == null ? "" : "?" + query));
  }

  /** The same request with a request id (and its retention) given by a gateway. */
  public ForwardableRequest withRequestId(String id, long retentionMs) {
    return new ForwardableRequest(method, uri, id, Long.toString(retentionMs), body, kind,
        forwardedBy, authorization);
  }

  public boolean isWrite() {
    return kind != KvAnswers.Kind.READ;
  }

  boolean wasForwarded() {
    return forwardedBy != null;
  }
}
