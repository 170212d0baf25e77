package raftkv.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Watches across failovers, through {@code cluster.sh}: real processes, real HTTP, the JDK's own
 * HTTP client reading the Server-Sent Events. Several watchers (of the prefix {@code w/} and of
 * single keys, on different nodes and the gateway, some starting in the past) follow a writer
 * while the leader is SIGKILLed and restarted two or three times. A watcher whose stream ends
 * (its node died, or it was told to {@code resume}) reconnects to another node from the last
 * revision it saw plus one, as the contract says a client may. At the end every watcher must
 * have seen exactly what a fresh watch from revision 1 sees, restricted to its key or prefix and
 * its starting revision: no change missing, none twice, none out of order, each with the same
 * type, key, value, previous revision and lease. The fresh watch itself must match the writes
 * the writer was told succeeded.
 *
 * <p>The writes and kills are drawn from a seeded {@link Random}; the seed is printed, and
 * {@code -Dwatch.seed=N} replays the same draws (the interleaving with the processes still
 * varies).
 */
class WatchFailoverIT {

  private static final int BASE_PORT = 17_500;
  private static final int NODES = 3;
  private static final int GATEWAY_PORT = BASE_PORT + 1000;
  private static final String PREFIX = "w/";
  /** Keys {@code w/0..w/39}: few enough that each changes many times, so key watchers see a history. */
  private static final int KEYS = 40;
  /** The writer stops here even if the kills are not over (they then go on without writes). */
  private static final int MAX_WRITES = 900;
  /** Writes acknowledged between two kills, so that every kill lands among writes. */
  private static final int WRITES_BETWEEN_KILLS = 40;
  /** A watcher that got nothing useful for this long, from any node, gives up. */
  private static final Duration RECONNECT_FOR = Duration.ofSeconds(20);
  /** A stream silent for this long is cut and resumed elsewhere: progress comes every second. */
  private static final Duration STALLED_AFTER = Duration.ofSeconds(10);
  /** Progress every second, not 5: the final wait for every watcher to be complete stays short. */
  private static final String NODE_ARGS = "--set watch.progressMs=1000";

  private static Path data;
  private static boolean clusterStarted;
  /** Every pid cluster.sh wrote, for the last-resort kill after {@code cluster.sh stop}. */
  private static final Set<Long> pids = ConcurrentHashMap.newKeySet();

  private final HttpClient http = client();
  /** Streams hold their connections for long: the writes and status polls get their own pool. */
  private final HttpClient watchHttp = client();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "watch-timer"));
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private Writer writer;

  @BeforeAll
  static void startCluster() throws Exception {
    assertThat(Path.of(System.getProperty("raftkv.jar", "target/raftkv.jar"))).exists();
    data = Files.createTempDirectory("raftkv-watch-it");
    clusterStarted = true; // before: a start that fails half-way leaves processes to stop
    String out = clusterSh("start", Integer.toString(NODES));
    assertThat(out).contains("raftkv is up");
    rememberPids();
  }

  @AfterEach
  void stopClients() throws InterruptedException {
    if (writer != null) writer.stopped = true;
    for (Watcher w : watchers) w.stop();
    timer.shutdownNow();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (data == null) return;
    try {
      if (clusterStarted) clusterSh("stop");
    } finally {
      // whatever cluster.sh started and still runs (a stop that failed half-way) dies by its pid
      rememberPids();
      for (long pid : pids) {
        ProcessHandle.of(pid)
            .filter(p -> p.info().commandLine().map(c -> c.contains(data.toString())).orElse(false))
            .ifPresent(ProcessHandle::destroyForcibly);
      }
      keepLogs();
      deleteRecursively(data);
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void watchersMissNothingAndRepeatNothingAcrossKilledLeaders() throws Exception {
    long seed = Long.getLong("watch.seed", System.nanoTime());
    System.out.println("watch failover seed " + seed + " (replay with -Dwatch.seed=" + seed + ")");
    Random random = new Random(seed);
    timer.scheduleAtFixedRate(() -> watchers.forEach(Watcher::cutIfStalled), 500, 500,
        TimeUnit.MILLISECONDS);

    // w/1..w/3 are prefixes of other keys (w/10..w/39): a key watch must match the key exactly
    String shortKey = PREFIX + (1 + random.nextInt(3));
    String otherKey = PREFIX + (4 + random.nextInt(KEYS - 4));
    // before any write: from revision 1, on a node and through the gateway
    watch(PREFIX, null, port(1), 1);
    watch(null, shortKey, GATEWAY_PORT, 1);

    writer = new Writer(new Random(seed ^ 0x5DEECE66DL), 300 + random.nextInt(201), seed);
    Thread writerThread = daemon(writer, "writer");
    writerThread.start();
    awaitWrites(60, Duration.ofSeconds(30));

    // more watchers: starting in the past (they catch up from the node's history) and now
    long now = writer.lastRevision;
    watch(PREFIX, null, port(2), 1 + random.nextInt((int) now));
    watch(PREFIX, null, port(3), now + 1);
    int keyHome = 1 + random.nextInt(NODES);
    watch(null, otherKey, port(keyHome), 1 + random.nextInt((int) now));

    int kills = 2 + random.nextInt(2);
    for (int round = 1; round <= kills; round++) {
      awaitWrites(Math.min(writer.written + WRITES_BETWEEN_KILLS, MAX_WRITES),
          Duration.ofSeconds(30));
      Thread.sleep(random.nextInt(300)); // where among the writes the kill lands
      int leader = awaitLeader(0, Duration.ofSeconds(20));
      long killedAt = System.nanoTime();
      clusterSh("kill", Integer.toString(leader));
      int next = awaitLeader(leader, Duration.ofSeconds(20));
      long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
      clusterSh("restart", Integer.toString(leader));
      rememberPids();
      // the next kill must leave a quorum: the restarted node has to be back in the cluster
      awaitCaughtUp(leader, next, Duration.ofSeconds(40));
      System.out.printf("round %d: killed leader %d at %d writes; node %d led after %d ms;"
          + " node %d back%n", round, leader, writer.written, next, failoverMs, leader);
    }
    writer.killsDone = true;
    writerThread.join(60_000);
    assertThat(writerThread.isAlive()).as("the writer finished").isFalse();
    if (writer.failure != null) throw new AssertionError("the writer failed", writer.failure);

    int leader = awaitLeader(0, Duration.ofSeconds(20));
    long rEnd = awaitRevision(leader, Duration.ofSeconds(10));
    assertThat(rEnd).as("the leader's revision covers every acknowledged write")
        .isGreaterThanOrEqualTo(writer.lastRevision);
    awaitNodesAt(rEnd, Duration.ofSeconds(30));
    awaitWatchersAt(rEnd, Duration.ofSeconds(30));
    for (Watcher w : watchers) w.stop();
    Reference reference = readReference(leader, rEnd);

    System.out.printf("%d writes (%d attempts retried), store revision %d; the reference stream"
            + " from %s: %d changes under %s from revision %d%n", writer.written, writer.retries,
        rEnd, reference.node(), reference.changes().size(), PREFIX, reference.from());
    int reconnects = 0;
    for (Watcher w : watchers) {
      reconnects += w.reconnects();
      System.out.printf("  %-22s from %4d: %4d events, %d reconnects (%d resume, %d compacted,"
              + " %d refused, %d stalled), via %s%n", w.name, w.from, w.changes.size(),
          w.reconnects(), w.resumes, w.compactions, w.refusals, w.stalls, w.visited);
    }

    SoftAssertions soft = new SoftAssertions();
    List<Change> written = writer.acked.stream()
        .filter(c -> c.key().startsWith(PREFIX) && c.revision() >= reference.from()).toList();
    soft.assertThat(notIncreasing(reference.changes()))
        .as("revisions repeated or out of order in the reference stream").isEmpty();
    soft.assertThat(differences(written, reference.changes()))
        .as("the reference stream against the acknowledged writes").isEmpty();
    for (Watcher w : watchers) {
      long from = Math.max(w.from, reference.from());
      List<Change> expected = reference.changes().stream()
          .filter(c -> w.matches.test(c.key()) && c.revision() >= from && c.revision() <= rEnd)
          .toList();
      // what came before the reference's start cannot be checked against it
      List<Change> got = List.copyOf(w.changes).stream()
          .filter(c -> c.revision() >= reference.from()).toList();
      soft.assertThat(w.problems).as("%s: protocol problems", w.name).isEmpty();
      soft.assertThat(w.resumePoint).as("%s: complete up to the end", w.name)
          .isGreaterThanOrEqualTo(rEnd);
      soft.assertThat(notIncreasing(List.copyOf(w.changes)))
          .as("%s: revisions repeated or out of order", w.name).isEmpty();
      soft.assertThat(differences(expected, got)).as("%s against the reference", w.name)
          .isEmpty();
    }
    soft.assertThat(reconnects).as("watchers reconnected after the kills (resumption was tested)")
        .isPositive();
    soft.assertAll();
  }

  // ------------------------------------------------------------------ watchers

  /** One change as a stream tells it ({@code value} base64, null for a delete). */
  record Change(long revision, String type, String key, String value, long prevRevision,
      long lease) {

    static Change parse(String data) {
      JsonObject d = new JsonObject(data);
      String value = d.getString("value");
      return new Change(d.getLong("revision"), d.getString("type"), d.getString("key"),
          value == null ? null : canonical(Base64.getDecoder().decode(value)),
          d.getLong("prevRevision", -1L), d.getLong("lease", -1L));
    }
  }

  /** One Server-Sent Event: the fields of the lines before a blank line. */
  record SseEvent(String id, String type, String data) {}

  /**
   * Reads {@code body} as Server-Sent Events until it ends or {@code onEvent} answers false.
   * Comments ({@code : ...}) are skipped; an event without data is not dispatched.
   */
  static void readEvents(InputStream body, Runnable onLine, Predicate<SseEvent> onEvent)
      throws IOException {
    // closing the reader would wait for a blocked readLine: a watchdog closes body instead
    BufferedReader reader = new BufferedReader(new InputStreamReader(body, UTF_8));
    String id = null;
    String type = null;
    StringBuilder dataLines = null;
    for (String line; (line = reader.readLine()) != null; ) {
      onLine.run();
      if (line.isEmpty()) {
        if (dataLines != null
            && !onEvent.test(new SseEvent(id, type == null ? "message" : type, dataLines.toString()))) {
          return;
        }
        id = null;
        type = null;
        dataLines = null;
        continue;
      }
      if (line.startsWith(":")) continue;
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) value = value.substring(1);
      switch (field) {
        case "id" -> id = value;
        case "event" -> type = value;
        case "data" -> dataLines =
            dataLines == null ? new StringBuilder(value) : dataLines.append('\n').append(value);
        default -> { } // retry, or a field SSE ignores
      }
    }
  }

  private void watch(String prefix, String key, int homePort, long from) {
    String name = (prefix != null ? "prefix " + prefix : "key " + key) + " @" + name(homePort);
    String query = prefix != null ? "prefix=" + encode(prefix) : "key=" + encode(key);
    Predicate<String> matches = prefix != null ? k -> k.startsWith(prefix) : key::equals;
    Watcher w = new Watcher(name, query, matches, homePort, from);
    watchers.add(w);
    w.thread.start();
  }

  /**
   * A client of the contract: it remembers the last revision a change or a progress event
   * named, and when its stream ends (or the node it reads is gone) it asks the next node (or the
   * gateway) for the stream from the revision after that one.
   */
  private final class Watcher implements Runnable {
    final String name;
    final Predicate<String> matches;
    /** Its first fromRevision. */
    final long from;
    final List<Change> changes = Collections.synchronizedList(new ArrayList<>());
    final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    final List<String> visited = Collections.synchronizedList(new ArrayList<>());
    /** The last revision the streams said they were complete up to. */
    volatile long resumePoint;
    volatile int streams;
    volatile int resumes;
    volatile int compactions;
    volatile int refusals;
    volatile int stalls;
    private final String query;
    /** Its home first, then the other nodes, then the gateway (which is never killed). */
    private final List<Integer> ports = new ArrayList<>();
    private int at;
    private volatile boolean stopping;
    private volatile InputStream current;
    private volatile long lastLineAt;
    final Thread thread;

    Watcher(String name, String query, Predicate<String> matches, int homePort, long from) {
      this.name = name;
      this.query = query;
      this.matches = matches;
      this.from = from;
      this.resumePoint = from - 1;
      // nodes before the gateway: a resumption must work from another node's own history
      ports.add(homePort);
      for (int node = 1; node <= NODES; node++) {
        if (port(node) != homePort) ports.add(port(node));
      }
      if (homePort != GATEWAY_PORT) ports.add(GATEWAY_PORT);
      thread = daemon(this, "watcher " + name);
    }

    int reconnects() {
      return Math.max(0, streams - 1);
    }

    @Override
    public void run() {
      long lastUseful = System.nanoTime();
      long backoffMs = 50;
      while (!stopping) {
        boolean useful = streamFrom(ports.get(at));
        if (stopping) return;
        if (useful) {
          lastUseful = System.nanoTime();
          backoffMs = 50;
        } else if (System.nanoTime() - lastUseful > RECONNECT_FOR.toNanos()) {
          problems.add("no node served the stream for " + RECONNECT_FOR.toSeconds()
              + " s; it gave up after revision " + resumePoint);
          return;
        }
        at = (at + 1) % ports.size(); // the stream ended or was refused: another node
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException e) {
          return;
        }
        backoffMs = Math.min(1_000, backoffMs * 2);
      }
    }

    /** One stream from {@code port}; true if it told anything (a change or a progress). */
    private boolean streamFrom(int port) {
      URI uri = uri(port, "/v1/watch?" + query + "&fromRevision=" + (resumePoint + 1));
      HttpResponse<InputStream> response;
      try {
        response = watchHttp.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
            .header("Accept", "text/event-stream").GET().build(), BodyHandlers.ofInputStream());
      } catch (IOException e) { // refused or reset: the node is down or starting
        return false;
      } catch (InterruptedException e) {
        return false;
      }
      boolean[] useful = {false};
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          refusals++;
          String text = new String(body.readAllBytes(), UTF_8);
          // 410: this node's history starts later; 503: it is busy or stopping. Another may serve
          if (response.statusCode() != 410 && response.statusCode() != 503) {
            problems.add(name(port) + " answered " + response.statusCode() + " " + text);
          }
          return false;
        }
        streams++;
        visited.add(name(port));
        lastLineAt = System.nanoTime();
        current = body;
        if (stopping) return false;
        readEvents(body, () -> lastLineAt = System.nanoTime(),
            event -> onEvent(event, port, useful));
      } catch (IOException e) {
        // the node died under the stream, or it stalled and the watchdog cut it
      } finally {
        current = null;
      }
      return useful[0];
    }

    /** Whether to go on reading this stream. */
    private boolean onEvent(SseEvent event, int port, boolean[] useful) {
      try {
        switch (event.type()) {
          case "message" -> {
            Change change = Change.parse(event.data());
            if (!String.valueOf(change.revision()).equals(event.id())) {
              problems.add(name(port) + " sent id " + event.id() + " for " + change);
            }
            changes.add(change);
            resumePoint = change.revision();
            useful[0] = true;
            return true;
          }
          case "progress" -> {
            long revision = Long.parseLong(event.id());
            if (revision < resumePoint) {
              problems.add(name(port) + " sent progress " + revision + " after " + resumePoint);
            }
            resumePoint = revision;
            useful[0] = true;
            return true;
          }
          case "resume" -> {
            // the server knows where it stopped, which may be past the last change it matched
            long next = new JsonObject(event.data()).getLong("fromRevision");
            if (next <= resumePoint) {
              problems.add(name(port) + " said resume from " + next + " after revision "
                  + resumePoint + " was complete");
            }
            resumePoint = next - 1;
            resumes++;
            return false;
          }
          case "compacted" -> { // this node lacks the history; another may hold it
            compactions++;
            return false;
          }
          default -> {
            problems.add(name(port) + " sent an unknown event " + event);
            return true;
          }
        }
      } catch (RuntimeException e) {
        problems.add(name(port) + " sent " + event + ", which does not parse: " + e);
        return false;
      }
    }

    /** Cuts a stream that said nothing for too long (not even progress): it resumes elsewhere. */
    void cutIfStalled() {
      InputStream body = current;
      if (body != null && System.nanoTime() - lastLineAt > STALLED_AFTER.toNanos()) {
        stalls++;
        lastLineAt = System.nanoTime();
        closeQuietly(body);
      }
    }

    void stop() throws InterruptedException {
      stopping = true;
      InputStream body = current;
      if (body != null) closeQuietly(body);
      thread.interrupt();
      thread.join(10_000);
    }
  }

  // ------------------------------------------------------------------ the writer

  /**
   * Puts (now and then deletes) keys one at a time, each exactly once: a write is retried with
   * its {@code X-Request-Id} on any node or the gateway until it is answered 200. It is the only
   * writer, so it knows every key's modification revision, hence each change's prevRevision.
   */
  private final class Writer implements Runnable {
    /** Every acknowledged write, as a watcher should see it, in revision order. */
    final List<Change> acked = Collections.synchronizedList(new ArrayList<>());
    volatile int written;
    volatile long lastRevision;
    volatile long retries;
    volatile boolean killsDone;
    volatile boolean stopped;
    volatile Throwable failure;
    private final Random random;
    private final int minWrites;
    private final long seed;
    private final Map<String, Long> modRevision = new HashMap<>();

    Writer(Random random, int minWrites, long seed) {
      this.random = random;
      this.minWrites = minWrites;
      this.seed = seed;
    }

    @Override
    public void run() {
      try {
        while (!stopped && !(killsDone && written >= minWrites) && written < MAX_WRITES) {
          // now and then a key outside the prefix ("wx" does not start with "w/")
          String key = random.nextInt(20) == 0 ? "wx" + random.nextInt(5)
              : PREFIX + random.nextInt(KEYS);
          boolean delete = modRevision.containsKey(key) && random.nextInt(8) == 0;
          byte[] value = delete ? null : randomValue();
          JsonObject answer = writeExactlyOnce(key, value, "watch-it-" + seed + "-" + written);
          long revision = answer.getLong("revision");
          if (delete && !answer.getBoolean("deleted", false)) {
            throw new AssertionError("the delete of " + key + ", which exists, answered " + answer);
          }
          if (revision <= lastRevision) {
            throw new AssertionError("a write of " + key + " got revision " + revision
                + ", not after the previous write's " + lastRevision);
          }
          long prev = delete ? modRevision.remove(key) : modRevision.getOrDefault(key, 0L);
          if (!delete) modRevision.put(key, revision);
          acked.add(new Change(revision, delete ? "delete" : "put", key,
              value == null ? null : canonical(value), prev, 0));
          lastRevision = revision;
          written++;
          Thread.sleep(random.nextInt(10, 50)); // a pace that spreads the writes over the kills
        }
      } catch (Throwable t) {
        failure = t;
      }
    }

    private byte[] randomValue() {
      byte[] value = new byte[random.nextInt(25)]; // the empty value too
      random.nextBytes(value);
      return value;
    }

    /** PUT (value) or DELETE (null) until answered 200, with one X-Request-Id throughout. */
    private JsonObject writeExactlyOnce(String key, byte[] value, String requestId)
        throws Exception {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      String last = "";
      for (int attempt = 0; ; attempt++) {
        int port = port(random.nextInt(NODES + 1)); // a node, or the gateway
        HttpRequest request = HttpRequest.newBuilder(uri(port, "/v1/kv/" + encode(key)))
            .timeout(Duration.ofSeconds(6)).header("X-Request-Id", requestId)
            .method(value == null ? "DELETE" : "PUT",
                value == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(value))
            .build();
        try {
          HttpResponse<String> r = http.send(request, BodyHandlers.ofString());
          if (r.statusCode() == 200) return new JsonObject(r.body());
          // 503: not written; 504: not known; 429: busy. The same id makes a retry safe
          if (r.statusCode() != 503 && r.statusCode() != 504 && r.statusCode() != 429) {
            throw new AssertionError(request.method() + " " + key + " (" + requestId + ") on "
                + name(port) + ": " + r.statusCode() + " " + r.body());
          }
          last = name(port) + ": " + r.statusCode() + " " + r.body();
        } catch (IOException e) { // refused, reset or no answer in time: may have been written
          last = name(port) + ": " + e;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not write " + key + " (" + requestId
              + ") within 30 s; last: " + last);
        }
        retries++;
        Thread.sleep(Math.min(400, 20L << Math.min(attempt, 5)));
      }
    }
  }

  private void awaitWrites(int count, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (writer.written < count) {
      if (writer.failure != null) throw new AssertionError("the writer failed", writer.failure);
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + writer.written + " writes, not " + count + ", within "
            + within);
      }
      Thread.sleep(20);
    }
  }

  // ------------------------------------------------------------------ the reference

  /** The changes under PREFIX from revision {@code from} on, as one fresh stream told them. */
  record Reference(String node, long from, List<Change> changes) {}

  /**
   * A fresh watch of the whole prefix from revision 1, read until it is complete up to {@code
   * rEnd}: from the leader, or from the node whose history reaches back furthest when none holds
   * revision 1 (410).
   */
  private Reference readReference(int leader, long rEnd) throws Exception {
    List<Integer> order = new ArrayList<>(List.of(leader));
    for (int node = 1; node <= NODES; node++) if (node != leader) order.add(node);
    long oldest = Long.MAX_VALUE;
    int oldestAt = 0;
    for (int node : order) {
      Reference r = referenceStream(node, 1, rEnd);
      if (r.changes() != null) return r;
      if (r.from() < oldest) {
        oldest = r.from();
        oldestAt = node;
      }
    }
    Reference r = referenceStream(oldestAt, oldest, rEnd);
    assertThat(r.changes()).as("the reference stream from node %d", oldestAt).isNotNull();
    return r;
  }

  /** The stream from {@code from}; on 410, changes null and {@code from} the node's oldest. */
  private Reference referenceStream(int node, long from, long rEnd) throws Exception {
    int port = port(node);
    HttpResponse<InputStream> response = watchHttp.send(HttpRequest.newBuilder(
            uri(port, "/v1/watch?prefix=" + encode(PREFIX) + "&fromRevision=" + from))
        .timeout(Duration.ofSeconds(5)).GET().build(), BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      if (response.statusCode() == 410) {
        JsonObject error = new JsonObject(new String(body.readAllBytes(), UTF_8));
        return new Reference(name(port), error.getLong("oldestRevision"), null);
      }
      assertThat(response.statusCode()).as("the reference watch on %s", name(port))
          .isEqualTo(200);
      List<Change> changes = new ArrayList<>();
      long[] complete = {from - 1};
      // a stream that does not get to rEnd in time is cut, and fails the check below
      ScheduledFuture<?> cut = timer.schedule(() -> closeQuietly(body), 30, TimeUnit.SECONDS);
      try {
        readEvents(body, () -> { }, event -> switch (event.type()) {
          case "message" -> {
            changes.add(Change.parse(event.data()));
            yield true;
          }
          case "progress" -> {
            complete[0] = Long.parseLong(event.id());
            yield complete[0] < rEnd;
          }
          default -> throw new AssertionError(name(port) + " ended the reference stream: "
              + event);
        });
      } catch (IOException e) {
        // cut: reported below
      } finally {
        cut.cancel(false);
      }
      assertThat(complete[0]).as("the reference stream from %s got to revision %d", name(port),
          rEnd).isGreaterThanOrEqualTo(rEnd);
      return new Reference(name(port), from, changes);
    }
  }

  /** The revisions of {@code changes} that do not come after the one before them. */
  static List<Long> notIncreasing(List<Change> changes) {
    List<Long> out = new ArrayList<>();
    for (int i = 1; i < changes.size(); i++) {
      if (changes.get(i).revision() <= changes.get(i - 1).revision()) {
        out.add(changes.get(i).revision());
      }
    }
    return out;
  }

  /** What tells {@code got} from {@code expected}, by revision; empty when none. */
  static String differences(List<Change> expected, List<Change> got) {
    Map<Long, Change> wanted = new LinkedHashMap<>();
    for (Change c : expected) wanted.put(c.revision(), c);
    Set<Long> seen = new HashSet<>();
    List<Long> unexpected = new ArrayList<>();
    List<String> differing = new ArrayList<>();
    for (Change c : got) {
      seen.add(c.revision());
      Change w = wanted.get(c.revision());
      if (w == null) {
        unexpected.add(c.revision());
      } else if (!w.equals(c)) {
        differing.add("expected " + w + ", got " + c);
      }
    }
    List<Long> missing = wanted.keySet().stream().filter(r -> !seen.contains(r)).toList();
    List<String> out = new ArrayList<>();
    if (!missing.isEmpty()) out.add(missing.size() + " missing (gaps): " + first(missing));
    if (!unexpected.isEmpty()) out.add(unexpected.size() + " unexpected: " + first(unexpected));
    if (!differing.isEmpty()) out.add(differing.size() + " differ: " + first(differing));
    return String.join("; ", out);
  }

  private static String first(List<?> items) {
    return items.subList(0, Math.min(10, items.size())) + (items.size() > 10 ? "..." : "");
  }

  // ------------------------------------------------------------------ cluster

  private JsonObject status(int node) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(port(node), "/v1/cluster"))
          .timeout(Duration.ofSeconds(1)).GET().build(), BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
    } catch (IOException | RuntimeException e) { // down, or no answer in time
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Polls until a node names a leader other than {@code not} that says it leads. */
  private int awaitLeader(int not, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      for (int node = 1; node <= NODES; node++) {
        if (node == not) continue;
        JsonObject s = status(node);
        int leader = s == null ? 0 : s.getInteger("leaderId", 0);
        if (leader == 0 || leader == not) continue;
        JsonObject ls = leader == node ? s : status(leader);
        if (ls != null && "LEADER".equals(ls.getString("role"))) return leader;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no leader (other than " + not + ") within " + within);
  }

  /**
   * Polls until the restarted {@code node} follows a leader and has applied what {@code leader}
   * had committed when the node came back.
   */
  private void awaitCaughtUp(int node, int leader, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    long target = -1;
    JsonObject s = null;
    while (System.nanoTime() < deadline) {
      if (target < 0) {
        JsonObject ls = status(leader);
        if (ls != null) target = ls.getLong("commitIndex", -1L);
      }
      s = status(node);
      if (target >= 0 && s != null && "FOLLOWER".equals(s.getString("role"))
          && s.getInteger("leaderId", 0) != 0 && s.getLong("appliedIndex", -1L) >= target) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node " + node + " did not catch up to index " + target + " within "
        + within + "; its status: " + s);
  }

  private long awaitRevision(int node, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject s = status(node);
      if (s != null && s.getLong("revision") != null) return s.getLong("revision");
      Thread.sleep(50);
    }
    throw new AssertionError("node " + node + " did not tell its revision within " + within);
  }

  /** Polls until every node has applied up to {@code revision}; none may be past it. */
  private void awaitNodesAt(long revision, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    Map<Integer, Long> revisions = new TreeMap<>();
    while (System.nanoTime() < deadline) {
      for (int node = 1; node <= NODES; node++) {
        JsonObject s = status(node);
        if (s != null) revisions.put(node, s.getLong("revision", -1L));
      }
      if (revisions.size() == NODES && revisions.values().stream().allMatch(r -> r >= revision)) {
        assertThat(Set.copyOf(revisions.values())).as("revisions per node %s", revisions)
            .containsExactly(revision);
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not every node got to revision " + revision + " within " + within
        + ": " + revisions);
  }

  /** Polls until every watcher is complete up to {@code revision} (or has given up). */
  private void awaitWatchersAt(long revision, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (watchers.stream().allMatch(w -> w.resumePoint >= revision || !w.thread.isAlive())) {
        return;
      }
      Thread.sleep(50);
    }
    // the checks that follow tell which watcher lags, and what it misses
    System.out.println("not every watcher got to revision " + revision + " within " + within);
  }

  private static void rememberPids() throws IOException {
    Path run = data.resolve("run");
    if (!Files.isDirectory(run)) return;
    try (Stream<Path> files = Files.list(run)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
        try {
          pids.add(Long.parseLong(Files.readString(f).trim()));
        } catch (IOException | NumberFormatException e) {
          // removed or being written meanwhile: cluster.sh knows that process
        }
      }
    }
  }

  /** The nodes' logs outlive the temporary directory, for a failure to be looked into. */
  private static void keepLogs() {
    Path logs = data.resolve("logs");
    Path kept = Path.of("target", "watch-failover-it-logs");
    if (!Files.isDirectory(logs)) return;
    try (Stream<Path> files = Files.list(logs)) {
      Files.createDirectories(kept);
      for (Path f : files.toList()) {
        Files.copy(f, kept.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      System.out.println("could not keep the logs: " + e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  private static String clusterSh(String... args) throws IOException, InterruptedException {
    return ClusterSh.runWith(data, BASE_PORT, NODE_ARGS, args);
  }

  // ------------------------------------------------------------------ small things

  /** The client port of node {@code node}; node 0 is the gateway. */
  private static int port(int node) {
    return BASE_PORT + 1000 + node;
  }

  private static String name(int port) {
    return port == GATEWAY_PORT ? "gateway" : "node " + (port - BASE_PORT - 1000);
  }

  private static URI uri(int port, String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, UTF_8);
  }

  private static String canonical(byte[] value) {
    return Base64.getEncoder().encodeToString(value);
  }

  private static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // closing is all that was wanted
    }
  }
}
