package raftkv.frontend;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * What of a client's HTTP request is passed on when it is forwarded to another front end: the
 * method, the path with its query (as the client wrote them), the request id (and the retention
 * a gateway asked for it) and the body.
 *
 * @param idRetention the {@link ClientHeaders#REQUEST_ID_RETENTION} header, or null
 * @param body the value of a PUT (never null for a PUT); null for other methods
 * @param forwardedBy the {@link ClientHeaders#FORWARDED_BY} header the request arrived with, or
 *     null when a client sent it directly
 */
public record ForwardableRequest(
    HttpMethod method, String uri, String requestId, String idRetention, Buffer body,
    boolean isWrite, String forwardedBy) {

  /** Captures {@code rc}'s request; {@code parsed} is what the parser made of it. */
  static ForwardableRequest of(RoutingContext rc, KvRequest parsed) {
    String query = rc.request().query();
    String uri = rc.request().path() + (query == null ? "" : "?" + query);
    HttpMethod method = rc.request().method();
    return new ForwardableRequest(method, uri, rc.request().getHeader(ClientHeaders.REQUEST_ID),
        rc.request().getHeader(ClientHeaders.REQUEST_ID_RETENTION),
        method == HttpMethod.PUT ? BodyReader.body(rc) : null, parsed.isWrite(),
        rc.request().getHeader(ClientHeaders.FORWARDED_BY));
  }

  /** Captures a membership request ({@code /v1/members}, {@code /v1/leader}) with its body. */
  static ForwardableRequest membership(RoutingContext rc) {
    String query = rc.request().query();
    String uri = rc.request().path() + (query == null ? "" : "?" + query);
    HttpMethod method = rc.request().method();
    return new ForwardableRequest(method, uri, null, null,
        method == HttpMethod.GET ? null : BodyReader.body(rc), method != HttpMethod.GET,
        rc.request().getHeader(ClientHeaders.FORWARDED_BY));
  }

  /** The same request with a request id (and its retention) given by a gateway. */
  public ForwardableRequest withRequestId(String id, long retentionMs) {
    return new ForwardableRequest(method, uri, id, Long.toString(retentionMs), body, isWrite,
        forwardedBy);
  }

  boolean wasForwarded() {
    return forwardedBy != null;
  }
}
