package raftkv.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Closed-loop clients on one event loop: each sends its next request only when the last one is
 * answered, so each has at most one request in flight and the load adapts to the server's pace.
 * Latency counts from the moment a request is sent.
 */
final class ClosedLoop extends LoadVerticle {

  /**
   * One client: its number in the whole run (it picks the first URL of its round-robin), its
   * operations, and how many measured requests it sends ({@link Long#MAX_VALUE}: until the end
   * of the run's duration).
   */
  record ClientPlan(int index, Workload.Stream ops, long measuredQuota) {}

  private final List<Client> clients = new ArrayList<>();
  private int running;

  ClosedLoop(Setup setup, List<ClientPlan> plans) {
    super(setup);
    for (ClientPlan plan : plans) clients.add(new Client(plan));
  }

  @Override
  protected void go() {
    running = clients.size();
    if (running == 0) finish();
    for (Client client : clients) client.sendNext();
  }

  private void clientDone() {
    if (--running == 0) finish();
  }

  private final class Client {
    private final int index;
    private final Workload.Stream ops;
    private long quota;
    private long sent;
    private boolean sending;
    private boolean done;

    Client(ClientPlan plan) {
      this.index = plan.index();
      this.ops = plan.ops();
      this.quota = plan.measuredQuota();
    }

    void sendNext() {
      long start = System.nanoTime();
      if (phases.over(start) || quota == 0) {
        if (!done) {
          done = true;
          clientDone();
        }
        return;
      }
      boolean measured = phases.measured(start);
      if (measured && quota != Long.MAX_VALUE) quota--;
      Operation op = ops.next();
      sending = true;
      sender.send(op, index + sent++, outcome -> {
        recordAnswer(op, outcome, start, System.nanoTime(), measured);
        // an answer that arrives while send() is still on the stack (a request that failed at
        // once) must not recurse: a dead server would otherwise grow the stack without bound
        if (sending) {
          context.runOnContext(v -> sendNext());
        } else {
          sendNext();
        }
      });
      sending = false;
    }
  }
}
