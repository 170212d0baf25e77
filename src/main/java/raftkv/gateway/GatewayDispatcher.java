package raftkv.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig.Member;
import raftkv.config.NodeConfig;
import raftkv.security.Tls;
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
 * member that leads, as {@link LeaderFinder} sees it, following leader changes. Stale reads go to
 * any member that answered the last poll, in turn, so they are served even without a quorum.
 *
 * <p>Every write it forwards carries a request id: the client's {@code X-Request-Id}, or one the
 * gateway makes up (remembered by the store for {@code requestIds.gatewayRetentionMs}, far longer
 * than any request's deadline). So every retry it makes is exactly-once: the store applies an id
 * at most once, and a retry either applies the write or answers with the first attempt's result.
 *
 * <p>Retries are automatic, within the client's deadline, each after a fresh look for the leader:
 * after a 503 or a failure to reach a node (nothing written) and after any failed read, at most
 * {@code gateway.maxAttempts} attempts; after a write whose fate is unknown (504, or no answer
 * after it was sent), until the deadline. The first retry waits {@code gateway.firstBackoffMs},
 * each further one twice as long, at most {@link #MAX_BACKOFF_FACTOR} times the first. Once an
 * attempt's fate is unknown, a later failure is still answered 504, never 503.
 *
 * <p>Fail-over: an attempt waiting on a member that a round of polls finds no longer leading (a
 * newer leader answered) or unreachable (frozen, cut off) is given up at once and retried at the
 * new leader, so a frozen leader costs about an election timeout, not the whole deadline.
 *
 * <p>Forwarded requests are not marked with {@code X-Raftkv-Forwarded}: the gateway is no
 * node, so a node that does not lead may still pass the request on to the leader once.
 */
final class GatewayDispatcher implements ClientDispatcher {

  private static final Logger log = LoggerFactory.getLogger(GatewayDispatcher.class);

  /** The longest wait between retries, as a multiple of the first. */
  static final int MAX_BACKOFF_FACTOR = 8;

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
  private io.vertx.core.http.HttpClient watchClient; // made on the first watch
  /** The watch streams relayed now, to tell each where to resume when the gateway stops. */
  private final Set<WatchRelay> relays = new LinkedHashSet<>();
  private final long watchProgressMs;
  private final Tls tls;
  private final String scheme;
  /** Attempts waiting for a member's answer, to give up when a poll shows it cannot come. */
  private final Set<Attempt> waiting = new LinkedHashSet<>();
  /** Where the next stale read goes, in turn among the members that answered. */
  private int nextStaleReader;

  /** One request on its way to one member; {@code abandon} gives it up. */
  private record Attempt(Member target, boolean toLeader, Promise<String> abandon) {}

  GatewayDispatcher(Vertx vertx, LeaderFinder finder, LeaderForwarder forwarder,
      NodeConfig config, Tls tls) {
    this.vertx = vertx;
    this.tls = tls;
    this.scheme = tls.scheme();
    this.finder = finder;
    this.forwarder = forwarder;
    this.idRetentionMs = config.requestIds().gatewayRetentionMs();
    this.maxAttempts = config.gateway().maxAttempts();
    this.firstBackoffMs = config.gateway().firstBackoffMs();
    this.watchProgressMs = config.watch().progressMs();
    finder.onRound(this::giveUpWhatCannotBeAnswered);
    finder.onNewLeader(this::giveUpOnReplacedLeader);
  }

  /** The dispatcher of a gateway's front end: it starts following the leader at once. */
  static ClientDispatcher start(Vertx vertx, NodeConfig config, LeaderForwarder forwarder,
      Tls tls) {
    long pollInterval = config.gateway().pollIntervalMs();
    long pollTimeout = Math.min(pollInterval, config.limits().requestTimeoutMs());
    LeaderFinder finder = new LeaderFinder(vertx, config.members(), pollInterval, pollTimeout,
        tls, config.auth().enabled() ? config.clusterToken() : null);
    GatewayDispatcher dispatcher = new GatewayDispatcher(vertx, finder, forwarder, config, tls);
    finder.start();
    return dispatcher;
  }

  @Override
  public Future<HttpAnswer> kv(KvRequest request, ForwardableRequest original, Deadline deadline) {
    ForwardableRequest withId = original.isWrite() && original.requestId() == null
        ? original.withRequestId(idPrefix + Long.toHexString(++idsMadeUp), idRetentionMs)
        : original;
    boolean anyMember = request instanceof KvRequest.GetKey get && !get.linearizable()
        || request instanceof KvRequest.ListKeys list && !list.linearizable();
    return new Delivery(withId, deadline, anyMember).attempt();
  }

  @Override
  public Future<HttpAnswer> cluster(boolean withDigest, Deadline deadline) {
    // the members' own digests are what a convergence check compares; the gateway has none
    return finder.refresh().map(view -> HttpAnswer.json(200, view.toJson(scheme)));
  }

  @Override
  public Future<HttpAnswer> membership(NodeRequest request, ForwardableRequest original,
      Deadline deadline) {
    return new Delivery(original, deadline, false).attempt();
  }

  @Override
  public Future<List<String>> notReadyBecause(Deadline deadline) {
    return finder.leader().map(leader -> leader.isPresent() ? List.<String>of()
        : List.of("no reachable member claims to lead"));
  }

  /**
   * A watch through the gateway: relayed from a member that answers polls, and resumed on
   * another when that one goes away ({@link WatchRelay}).
   */
  @Override
  public void relayWatch(raftkv.frontend.WatchRequest request,
      io.vertx.ext.web.RoutingContext rc) {
    if (watchClient == null) {
      io.vertx.core.http.HttpClientAgent client = vertx.httpClientBuilder()
          .with(tls.client(new io.vertx.core.http.HttpClientOptions()
              .setKeepAlive(false).setName("gateway-watch")))
          .with(new io.vertx.core.http.PoolOptions().setHttp1MaxSize(100_000)).build();
      tls.track(client, 0);
      watchClient = client;
    }
    WatchRelay[] relay = new WatchRelay[1];
    relay[0] = new WatchRelay(vertx, watchClient,
        () -> finder.refresh().map(ClusterView::answering), request.query(0),
        request.fromRevision(), rc, maxAttempts * 4, 3 * watchProgressMs,
        () -> relays.remove(relay[0]));
    relays.add(relay[0]);
    relay[0].start();
  }

  @Override
  public void endWatches() {
    for (WatchRelay relay : new ArrayList<>(relays)) relay.close();
  }

  @Override
  public Future<Void> close() {
    endWatches();
    if (watchClient != null) watchClient.close();
    return finder.close();
  }

  /**
   * After each round of polls: attempts waiting on a member that did not answer the poll, or on
   * a leader that another, newer one has replaced, are given up (and retried by their delivery).
   */
  private void giveUpWhatCannotBeAnswered(ClusterView view) {
    Optional<Member> leader = view.leader();
    for (Attempt a : new ArrayList<>(waiting)) {
      String why = null;
      if (!view.answered(a.target().id())) {
        why = "node " + a.target().id() + " did not answer the gateway's last poll";
      } else if (a.toLeader() && leader.isPresent() && leader.get().id() != a.target().id()) {
        why = "node " + leader.get().id() + " leads now, not node " + a.target().id();
      }
      if (why != null) a.abandon().tryComplete(why);
    }
  }

  /** A poll found a newer leader: attempts waiting on another one are given up and retried. */
  private void giveUpOnReplacedLeader(Member leader) {
    for (Attempt a : new ArrayList<>(waiting)) {
      if (a.toLeader() && a.target().id() != leader.id()) {
        a.abandon().tryComplete("node " + leader.id() + " leads now, not node "
            + a.target().id());
      }
    }
  }

  /** The attempts made for one client request. */
  private final class Delivery {
    private final ForwardableRequest request;
    private final Deadline deadline;
    /** A stale read: any member that answers polls may serve it. */
    private final boolean anyMember;
    private int attemptsMade;
    /** Whether some attempt may have been applied: then "nothing was written" is never said. */
    private boolean outcomeUnknown;

    Delivery(ForwardableRequest request, Deadline deadline, boolean anyMember) {
      this.request = request;
      this.deadline = deadline;
      this.anyMember = anyMember;
    }

    Future<HttpAnswer> attempt() {
      attemptsMade++;
      if (anyMember) {
        List<Member> live = finder.answering();
        if (!live.isEmpty()) {
          return sendTo(live.get(Math.floorMod(nextStaleReader++, live.size())), false);
        }
      }
      return finder.leader().compose(leader -> leader.isPresent()
          ? sendTo(leader.get(), true)
          : retryOrGiveUp(KvAnswers.unavailable("no leader is known right now",
              request.kind())));
    }

    private Future<HttpAnswer> sendTo(Member target, boolean toLeader) {
      Attempt attempt = new Attempt(target, toLeader, Promise.promise());
      // a membership change or transfer is never given up: repeated, a transfer that was made
      // would move leadership again
      if (request.kind() != KvAnswers.Kind.CHANGE) waiting.add(attempt);
      return forwarder.forward(target, request, deadline, 0, attempt.abandon().future())
          .transform(done -> {
            waiting.remove(attempt);
            return done.succeeded()
                ? judgeAnswer(done.result(), target)
                : judgeFailure(done.cause(), target);
          });
    }

    private Future<HttpAnswer> judgeAnswer(HttpAnswer answer, Member target) {
      if (answer.status() == 429 && outcomeUnknown) {
        // "nothing written" of this try, not of the earlier one whose fate is unknown
        return retryOrGiveUp(answer);
      }
      if (answer.status() == 503) {
        finder.suspect(target);
        return retryOrGiveUp(answer);
      }
      if (answer.status() == 504) {
        finder.suspect(target);
        if (!request.isWrite()) {
          return retryOrGiveUp(KvAnswers.unavailable("node " + target.id() + " could not serve"
              + " the read", request.kind()));
        }
        // the node saw the gateway's id; the advice must fit what the client sent
        return afterUnknownOutcome(request.kind() == KvAnswers.Kind.WRITE
            ? KvAnswers.outcomeUnknown("node " + target.id() + " could not tell whether it"
                + " committed", request.kind())
            : answer);
      }
      return Future.succeededFuture(answer);
    }

    private Future<HttpAnswer> judgeFailure(Throwable failure, Member target) {
      quietLog.warn("forward-" + target.id(), "Gateway: " + failure.getMessage());
      finder.suspect(target);
      boolean mayHaveArrived =
          !(failure instanceof ForwardFailedException f) || f.mayHaveArrived();
      if (mayHaveArrived && request.isWrite()) {
        return afterUnknownOutcome(KvAnswers.outcomeUnknown(failure.getMessage(),
            request.kind()));
      }
      return retryOrGiveUp(KvAnswers.unavailable(failure.getMessage(), request.kind()));
    }

    /**
     * A write that may have been applied: its request id makes retries safe, to the deadline. A
     * membership change has no id and is not repeated: the client hears the unknown outcome.
     */
    private Future<HttpAnswer> afterUnknownOutcome(HttpAnswer unknown) {
      outcomeUnknown = true;
      if (request.kind() == KvAnswers.Kind.CHANGE) return Future.succeededFuture(unknown);
      return retryOrGiveUp(unknown);
    }

    private Future<HttpAnswer> retryOrGiveUp(HttpAnswer answer) {
      HttpAnswer lastWord = outcomeUnknown && answer.status() != 504
          ? KvAnswers.outcomeUnknown("an earlier attempt got no clear answer", request.kind())
          : answer;
      long backoff = firstBackoffMs
          << Math.min(attemptsMade - 1, Integer.numberOfTrailingZeros(MAX_BACKOFF_FACTOR));
      boolean attemptsLeft = outcomeUnknown || attemptsMade < maxAttempts;
      if (!attemptsLeft || deadline.remainingMs() <= backoff) {
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
