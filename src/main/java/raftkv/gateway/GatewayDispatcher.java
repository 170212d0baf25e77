package raftkv.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig.Member;
import raftkv.config.NodeConfig;
import raftkv.frontend.ClientDispatcher;
import raftkv.frontend.Deadline;
import raftkv.frontend.ForwardFailedException;
import raftkv.frontend.ForwardableRequest;
import raftkv.frontend.HttpAnswer;
import raftkv.frontend.KvAnswers;
import raftkv.frontend.KvRequest;
import raftkv.frontend.LeaderForwarder;
import raftkv.node.NodeRequest;
import raftkv.util.QuietLog;

/**
 * A standalone front end (gateway): it has no node of its own and forwards every request to the
 * member that leads, as {@link LeaderFinder} sees it, following leader changes.
 *
 * <p>Every write it forwards carries a request id: the client's {@code X-Request-Id}, or one the
 * gateway makes up (remembered by the store for {@code requestIds.gatewayRetentionMs}, far longer
 * than any request's deadline). So every retry it makes is exactly-once: the store applies an id
 * at most once, and a retry either applies the write or answers with the first attempt's result.
 *
 * <p>Retries are automatic, within the client's deadline and at most {@code
 * gateway.maxAttempts} attempts (the first after {@code gateway.firstBackoffMs}, each further one
 * after twice the wait before it), each after a fresh look for the leader: after a 503 or a failure to reach a node
 * (nothing written), after any failed read, and after a write whose fate is unknown (504, or no
 * answer after it was sent). Once an attempt's fate is unknown, a later failure is still answered
 * 504, never 503.
 *
 * <p>Forwarded requests are not marked with {@code X-Raftkv-Forwarded}: the gateway is no
 * node, so a node that does not lead may still pass the request on to the leader once.
 */
final class GatewayDispatcher implements ClientDispatcher {

  private static final Logger log = LoggerFactory.getLogger(GatewayDispatcher.class);

  private final Vertx vertx;
  private final LeaderFinder finder;
  private final LeaderForwarder forwarder;
  private final QuietLog quietLog = new QuietLog(log, 10_000);
  private final long idRetentionMs;
  private final int maxAttempts;
  private final long firstBackoffMs;
  /** Unique to this gateway process: the ids it makes up never collide with another's. */
  private final String idPrefix = "gw-" + HexFormat.of().toHexDigits(new SecureRandom().nextLong())
      + "-";
  private long idsMadeUp;

  GatewayDispatcher(Vertx vertx, LeaderFinder finder, LeaderForwarder forwarder,
      NodeConfig config) {
    this.vertx = vertx;
    this.finder = finder;
    this.forwarder = forwarder;
    this.idRetentionMs = config.requestIds().gatewayRetentionMs();
    this.maxAttempts = config.gateway().maxAttempts();
    this.firstBackoffMs = config.gateway().firstBackoffMs();
  }

  /** The dispatcher of a gateway's front end: it starts following the leader at once. */
  static ClientDispatcher start(Vertx vertx, NodeConfig config, LeaderForwarder forwarder) {
    long pollInterval = config.gateway().pollIntervalMs();
    long pollTimeout = Math.min(pollInterval, config.limits().requestTimeoutMs());
    LeaderFinder finder = new LeaderFinder(vertx, config.members(), pollInterval, pollTimeout);
    finder.start();
    return new GatewayDispatcher(vertx, finder, forwarder, config);
  }

  @Override
  public Future<HttpAnswer> kv(KvRequest request, ForwardableRequest original, Deadline deadline) {
    ForwardableRequest withId = original.isWrite() && original.requestId() == null
        ? original.withRequestId(idPrefix + Long.toHexString(++idsMadeUp), idRetentionMs)
        : original;
    return new Delivery(withId, deadline).attempt();
  }

  @Override
  public Future<HttpAnswer> cluster(boolean withDigest, Deadline deadline) {
    // the members' own digests are what a convergence check compares; the gateway has none
    return finder.refresh().map(view -> HttpAnswer.json(200, view.toJson()));
  }

  @Override
  public Future<HttpAnswer> membership(NodeRequest request, ForwardableRequest original,
      Deadline deadline) {
    return new Delivery(original, deadline).attempt();
  }

  @Override
  public Future<Void> close() {
    return finder.close();
  }

  /** The attempts made for one client request. */
  private final class Delivery {
    private final ForwardableRequest request;
    private final Deadline deadline;
    private int attemptsLeft = maxAttempts;
    private int attemptsMade;
    /** Whether some attempt may have been applied: then "nothing was written" is never said. */
    private boolean outcomeUnknown;

    Delivery(ForwardableRequest request, Deadline deadline) {
      this.request = request;
      this.deadline = deadline;
    }

    Future<HttpAnswer> attempt() {
      attemptsLeft--;
      attemptsMade++;
      return finder.leader().compose(leader -> leader.isPresent()
          ? sendTo(leader.get())
          : retryOrGiveUp(KvAnswers.unavailable("no leader is known right now")));
    }

    private Future<HttpAnswer> sendTo(Member leader) {
      return forwarder.forward(leader, request, deadline, 0).transform(done -> done.succeeded()
          ? judgeAnswer(done.result(), leader)
          : judgeFailure(done.cause(), leader));
    }

    private Future<HttpAnswer> judgeAnswer(HttpAnswer answer, Member leader) {
      if (answer.status() == 429 && outcomeUnknown) {
        // "nothing written" of this try, not of the earlier one whose fate is unknown
        return retryOrGiveUp(answer);
      }
      if (answer.status() == 503) {
        finder.suspect(leader);
        return retryOrGiveUp(answer);
      }
      if (answer.status() == 504) {
        finder.suspect(leader);
        return request.isWrite() ? afterUnknownOutcome(answer)
            : retryOrGiveUp(KvAnswers.unavailable("node " + leader.id() + " could not serve the"
                + " read"));
      }
      return Future.succeededFuture(answer);
    }

    private Future<HttpAnswer> judgeFailure(Throwable failure, Member leader) {
      quietLog.warn("forward-" + leader.id(), "Gateway: " + failure.getMessage());
      finder.suspect(leader);
      boolean mayHaveArrived =
          !(failure instanceof ForwardFailedException f) || f.mayHaveArrived();
      if (mayHaveArrived && request.isWrite()) {
        return afterUnknownOutcome(KvAnswers.outcomeUnknown(failure.getMessage()));
      }
      return retryOrGiveUp(KvAnswers.unavailable(failure.getMessage()));
    }

    /** A write that may have been applied: its request id makes a retry safe. */
    private Future<HttpAnswer> afterUnknownOutcome(HttpAnswer unknown) {
      outcomeUnknown = true;
      return retryOrGiveUp(unknown);
    }

    private Future<HttpAnswer> retryOrGiveUp(HttpAnswer answer) {
      HttpAnswer lastWord = outcomeUnknown && answer.status() != 504
          ? KvAnswers.outcomeUnknown("an earlier attempt got no clear answer")
          : answer;
      long backoff = firstBackoffMs << Math.min(attemptsMade - 1, 10);
      if (attemptsLeft <= 0 || deadline.remainingMs() <= backoff) {
        return Future.succeededFuture(lastWord);
      }
      return after(backoff).compose(v -> attempt());
    }
  }

  private Future<Void> after(long ms) {
    Promise<Void> waited = Promise.promise();
    vertx.setTimer(ms, id -> waited.complete());
    return waited.future();
  }
}
