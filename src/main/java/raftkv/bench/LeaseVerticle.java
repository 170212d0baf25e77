package raftkv.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;

/**
 * One event loop's share of the lease benchmark: it grants its leases ({@code POST /v1/leases},
 * a few at a time), then renews each once per period ({@code POST /v1/leases/ID/keepalive}) on
 * the {@link KeepAliveSchedule}, an open loop: a keep-alive goes out when due, whether or not
 * earlier ones were answered, as independent clients holding leases would send them.
 */
final class LeaseVerticle extends VerticleBase {

  /** How often the loop looks for due keep-alives; the send lag is at most about this. */
  private static final long TICK_MS = 1;

  /** Where to send, how many leases this loop holds, and how it sends. */
  record Setup(Endpoint endpoint, int leases, int grantConcurrency, int connections,
      long ttlMs, long timeoutMs, LeaseStats stats) {}

  private final Setup setup;
  private final LeaseStats stats;
  private HttpClient client;
  private long[] ids = new long[0];
  private int granted;
  private int nextGrant;
  private int granting;
  private Promise<Integer> grantsDone;
  private KeepAliveSchedule schedule;
  private long startNanos;
  private long endNanos;
  private long nextKeepAlive;
  private long outstanding;
  private boolean scheduleOver;
  private Promise<Void> keepAlivesDone;

  LeaseVerticle(Setup setup) {
    this.setup = setup;
    this.stats = setup.stats();
  }

  @Override
  public Future<?> start() {
    client = BenchHttp.client(vertx, setup.connections());
    return Future.succeededFuture();
  }

  /** Grants this loop's leases; completes with how many were granted. Any thread. */
  Future<Integer> grantAll() {
    Promise<Integer> done = Promise.promise();
    context.runOnContext(v -> {
      ids = new long[setup.leases()];
      grantsDone = done;
      grantMore();
    });
    return done.future();
  }

  private void grantMore() {
    while (granting < setup.grantConcurrency() && nextGrant < setup.leases()) {
      granting++;
      nextGrant++;
      grantOne();
    }
    if (granting == 0 && nextGrant == setup.leases()) grantsDone.tryComplete(granted);
  }

  private void grantOne() {
    Buffer body = Buffer.buffer("{\"ttlMs\":" + setup.ttlMs() + "}");
    BenchHttp.call(client, BenchHttp.request(setup.endpoint(), HttpMethod.POST, "/v1/leases")
            .putHeader("content-type", "application/json"), body, setup.timeoutMs())
        .onComplete(ar -> {
          Long id = ar.succeeded() && ar.result().ok() ? leaseId(ar.result().body()) : null;
          if (id != null) {
            ids[granted++] = id;
            stats.granted.increment();
          } else {
            Outcome o = ar.failed() ? Outcome.failure(ar.cause())
                : Outcome.httpStatus(ar.result().status(), ar.result().body().toString());
            stats.grantErrors.add(o.errorKind(), o.example());
          }
          granting--;
          context.runOnContext(v -> grantMore());
        });
  }

  /** The id in a grant's answer {@code {"id":L,"ttlMs":T}}; null when there is none. */
  private static Long leaseId(Buffer answer) {
    try {
      return new JsonObject(answer).getLong("id");
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }

  /**
   * Renews this loop's granted leases on the schedule of loop {@code loop} of {@code loops}
   * ({@code totalLeases} over all loops), from {@code startNanos}; no keep-alive due at or after
   * {@code endNanos} is sent. Completes when the last one sent is answered. Any thread.
   */
  Future<Void> keepAlive(int loop, int loops, int totalLeases, long startNanos, long endNanos) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      ids = Arrays.copyOf(ids, granted);
      keepAlivesDone = done;
      this.startNanos = startNanos;
      this.endNanos = endNanos;
      if (granted == 0) {
        done.complete();
        return;
      }
      long periodNanos = setup.ttlMs() * 1_000_000L / 3; // renew every ttl/3
      schedule = new KeepAliveSchedule(periodNanos, totalLeases, loop, loops, granted);
      vertx.setPeriodic(TICK_MS, id -> {
        if (!sendDue()) vertx.cancelTimer(id);
      });
    });
    return done.future();
  }

  /** Sends every keep-alive due by now; false once the schedule is over. */
  private boolean sendDue() {
    long now = System.nanoTime();
    while (true) {
      long due = startNanos + schedule.dueNanos(nextKeepAlive);
      if (due - endNanos >= 0) {
        scheduleOver = true;
        if (outstanding == 0) keepAlivesDone.tryComplete();
        return false;
      }
      if (due - now > 0) return true;
      sendKeepAlive(ids[schedule.leaseOf(nextKeepAlive++)], due, now);
    }
  }

  private void sendKeepAlive(long id, long due, long sent) {
    outstanding++;
    stats.recordSent(due, sent);
    BenchHttp.call(client, BenchHttp.request(setup.endpoint(), HttpMethod.POST,
            "/v1/leases/" + id + "/keepalive"), null, setup.timeoutMs())
        .onComplete(ar -> {
          long answered = System.nanoTime();
          if (ar.succeeded() && ar.result().ok()) {
            stats.recordOk(due, sent, answered);
          } else if (ar.succeeded() && ar.result().status() == 404) {
            stats.leasesLost.increment();
          } else {
            Outcome o = ar.succeeded()
                ? Outcome.httpStatus(ar.result().status(), ar.result().body().toString())
                : Outcome.failure(ar.cause());
            stats.keepAliveErrors.add(o.errorKind(), o.example());
          }
          if (--outstanding == 0 && scheduleOver) keepAlivesDone.tryComplete();
        });
  }
}
