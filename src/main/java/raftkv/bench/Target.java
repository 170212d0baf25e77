package raftkv.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/**
 * A kind of server under load: how an {@link Operation} becomes an HTTP request, and whether an
 * answer counts as a success. Implementations are stateless and shared by all event loops.
 */
interface Target {

  /** The request for {@code op}; {@code basePath} is the URL's path ("" for none). */
  HttpCall call(Operation op, String basePath);

  /** Judges a complete answer. Never throws: anything unexpected is an error kind. */
  Outcome judge(Operation op, int status, Buffer body);

  /** One request to send: the body is null for none; the content type goes with a body. */
  record HttpCall(HttpMethod method, String uri, Buffer body, String contentType) {}

  static Target of(LoadOptions options, byte[] value) {
    boolean linearizable = options.consistency == LoadOptions.Consistency.linearizable;
    return options.target == LoadOptions.TargetKind.etcd
        ? new EtcdTarget(value, linearizable)
        : new RaftkvTarget(value, linearizable);
  }
}
