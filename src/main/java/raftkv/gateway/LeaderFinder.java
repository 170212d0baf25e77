package raftkv.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.NodeConfig.Member;
import raftkv.security.Tls;
import raftkv.gateway.ClusterView.MemberState;
import raftkv.util.QuietLog;

/**
 * A gateway's knowledge of who leads. It asks every member's front end for {@code GET
 * /v1/cluster} on a fixed period, and at once when a request to the supposed leader failed
 * ({@link #suspect}). Concurrent refreshes share one round of polls.
 *
 * <p>Confined to the gateway verticle's event loop.
 */
final class LeaderFinder {

  private static final Logger log = LoggerFactory.getLogger(LeaderFinder.class);

  private final Vertx vertx;
  /** The configured members: where to look when no leader says who the members are. */
  private final List<Member> seeds;
  /** Whom each round polls: the members the leader last reported, or the seeds. */
  private List<Member> members;
  private final long pollIntervalMs;
  private final long pollTimeoutMs;
  private final HttpClientAgent client;
  private final String scheme;
  private final String authorization;
  private final QuietLog quietLog = new QuietLog(log, 30_000);

  /** The member requests go to; null while none is known. */
  private Member leader;
  /** The leader last reported in the log (0: none), so that only changes are logged. */
  private int reportedLeaderId;
  /** The round of polls under way, shared by everyone who asks meanwhile; null when idle. */
  private Future<ClusterView> refreshing;
  private long pollTimer = -1;
  /** The members that answered the last round. */
  private List<Member> answering = List.of();
  /** Told of every round's view once the leader is adopted from it. */
  private Consumer<ClusterView> roundListener = view -> {};
  /** Told at once of a leader in a newer term, found before its round of polls is over. */
  private Consumer<Member> newLeaderListener = m -> {};
  /** The term in which {@link #leader} leads, as it said. */
  private long leaderTerm;

  /**
   * @param clusterToken sent as the polls' bearer token (null: none), which members with
   *     authentication on take as the cluster's own
   */
  LeaderFinder(Vertx vertx, List<Member> members, long pollIntervalMs, long pollTimeoutMs,
      Tls tls, String clusterToken) {
    this.vertx = vertx;
    this.scheme = tls.scheme();
    this.authorization = clusterToken == null ? null : "Bearer " + clusterToken;
    this.seeds = List.copyOf(members);
    this.members = this.seeds;
    this.pollIntervalMs = pollIntervalMs;
    this.pollTimeoutMs = pollTimeoutMs;
    // One connection per member is plenty: a poll is one small request per period.
    this.client = vertx.httpClientBuilder()
        .with(tls.client(new HttpClientOptions().setKeepAlive(true)
            .setMetricsName("leader-finder")))
        .with(new PoolOptions().setHttp1MaxSize(1))
        // the poll under way hears of a reset; unhandled, Vert.x would log it as an ERROR
        .withConnectHandler(connection -> connection.exceptionHandler(e ->
            log.debug("Gateway: a poll's connection failed: {}", e.toString())))
        .build();
    tls.track(client, 0);
  }

  /** {@code listener} is told of each round's view, after the leader was adopted from it. */
  void onRound(Consumer<ClusterView> listener) {
    this.roundListener = listener;
  }

  /** {@code listener} is told of a newer leader as soon as a poll finds one. */
  void onNewLeader(Consumer<Member> listener) {
    this.newLeaderListener = listener;
  }

  /** The members that answered the last round of polls. */
  List<Member> answering() {
    return answering;
  }

  /** Starts polling; the first round begins at once. */
  void start() {
    refresh();
    pollTimer = vertx.setPeriodic(pollIntervalMs, id -> refresh());
  }

  /** The leader, at once if one is known, else after a fresh round of polls (maybe none). */
  Future<Optional<Member>> leader() {
    if (leader != null) return Future.succeededFuture(Optional.of(leader));
    return refresh().map(ClusterView::leader);
  }

  /**
   * A request to {@code node} failed as if it did not lead: stop sending there until a new round
   * of polls, which starts now, says who leads.
   */
  void suspect(Member node) {
    if (leader != null && leader.id() == node.id()) leader = null;
    refresh();
  }

  /** Polls every member (or joins the round under way) and updates the leader. */
  Future<ClusterView> refresh() {
    if (refreshing != null) return refreshing;
    List<Future<MemberState>> polls = new ArrayList<>();
    for (Member member : members) polls.add(poll(member));
    Future<ClusterView> round = Future.join(polls).transform(done -> {
      List<MemberState> states = new ArrayList<>();
      for (Future<MemberState> poll : polls) states.add(poll.result());
      return Future.succeededFuture(new ClusterView(states));
    });
    refreshing = round;
    round.onComplete(done -> {
      refreshing = null;
      adopt(done.result());
      roundListener.accept(done.result());
    });
    return round;
  }

  /** One member's status; never fails (an unreachable member is a state too). */
  private Future<MemberState> poll(Member member) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(member.host())
        .setPort(member.clientPort())
        .setURI("/v1/cluster")
        .setConnectTimeout(pollTimeoutMs)
        .setIdleTimeout(pollTimeoutMs);
    if (authorization != null) {
      options.putHeader(io.vertx.core.http.HttpHeaders.AUTHORIZATION, authorization);
    }
    return client.request(options)
        .compose(request -> request.send())
        .compose(response -> response.statusCode() == 200
            ? response.body()
            : Future.failedFuture("answered " + response.statusCode()))
        .map(Buffer::toJsonObject)
        .timeout(pollTimeoutMs, TimeUnit.MILLISECONDS)
        .map(status -> {
          MemberState state = MemberState.reached(member, status);
          adoptIfNewer(state);
          return state;
        })
        .otherwise(e -> MemberState.unreachable(member, e.getMessage() != null
            ? e.getMessage() : e.getClass().getSimpleName()));
  }

  /**
   * A member that claims to lead in a newer term than the leader followed now is followed at
   * once, without waiting for the round's other polls: one of those may be to the frozen old
   * leader, which answers only at the poll timeout.
   */
  private void adoptIfNewer(MemberState state) {
    if (!state.claimsLeadership()) return;
    if (leader != null && (state.term() <= leaderTerm || leader.id() == state.member().id())) {
      return;
    }
    leader = state.member();
    leaderTerm = state.term();
    log.info("Gateway: node {} leads (term {}); forwarding requests to {}", leader.id(),
        leaderTerm, leader.clientUrl(scheme));
    reportedLeaderId = leader.id();
    newLeaderListener.accept(leader);
  }

  private void adopt(ClusterView view) {
    leader = view.leader().orElse(null);
    leaderTerm = view.leaderState().map(MemberState::term).orElse(0L);
    answering = view.answering();
    followMembers(view);
    int leaderId = leader == null ? 0 : leader.id();
    if (leaderId != 0 && leaderId != reportedLeaderId) {
      log.info("Gateway: node {} leads (term {}); forwarding requests to {}", leaderId,
          view.leaderState().map(MemberState::term).orElse(0L), leader.clientUrl(scheme));
    } else if (leaderId == 0 && reportedLeaderId != 0) {
      log.warn("Gateway: no reachable member claims to lead any more (node {} did); requests"
          + " get 503 until one does", reportedLeaderId);
    } else if (leaderId == 0) {
      quietLog.warn("no-leader", "Gateway: no reachable member claims to lead: "
          + view.toJson(scheme).getJsonArray("nodes").encode());
    }
    reportedLeaderId = leaderId;
  }

  /**
   * The gateway follows the configuration as it changes: the next rounds poll the members the
   * leader reports (voters and learners), so a member added since the gateway started is found,
   * and one removed is no longer asked. Without a leader, it polls every member any reachable
   * node reports, those it polled, and the configured ones: the leader may be a member added
   * after the gateway's configuration was written.
   */
  private void followMembers(ClusterView view) {
    Map<Integer, Member> next = new TreeMap<>();
    view.leaderState().ifPresent(state -> addReported(state, next));
    if (next.isEmpty()) {
      for (MemberState state : view.members()) addReported(state, next);
      for (Member m : members) next.putIfAbsent(m.id(), m);
      for (Member m : seeds) next.putIfAbsent(m.id(), m);
    }
    List<Member> updated = List.copyOf(next.values());
    if (!updated.equals(members)) {
      log.info("Gateway: the members are now {}", updated.stream().map(Member::id).toList());
      members = updated;
    }
  }

  /** The voters and learners {@code state}'s node reports, into {@code into}. */
  private static void addReported(MemberState state, Map<Integer, Member> into) {
    if (state.status() == null) return;
    for (String list : List.of("members", "learners")) {
      JsonArray reported = state.status().getJsonArray(list, new JsonArray());
      for (int i = 0; i < reported.size(); i++) {
        Member m = reportedMember(reported.getValue(i));
        if (m != null) into.put(m.id(), m);
      }
    }
  }

  /** A member as {@code /v1/cluster} lists it, or null when it says no address. */
  private static Member reportedMember(Object value) {
    if (!(value instanceof JsonObject json) || !(json.getValue("id") instanceof Integer id)
        || !(json.getValue("host") instanceof String host)
        || !(json.getValue("clientPort") instanceof Integer port)) {
      return null;
    }
    Integer raftPort = json.getInteger("raftPort", 0);
    return new Member(id, host, raftPort, port);
  }

  Future<Void> close() {
    if (pollTimer != -1) vertx.cancelTimer(pollTimer);
    return client.close();
  }
}
