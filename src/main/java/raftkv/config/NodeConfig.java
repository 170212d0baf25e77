package raftkv.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import raftkv.security.AuthSettings;
import raftkv.security.TlsSettings;
import raftkv.storage.StorageOptions;
import raftkv.transport.TransportOptions;
import raftkv.transport.TransportSettings;

/**
 * A node's (or a gateway's) settings, as read by {@link ConfigFile} from a JSON file under
 * {@code conf/}, or built in code with {@link #builder()}. The README's configuration reference
 * lists every field with its default.
 *
 * @param nodeId this node's id among {@code members}; 0 for a gateway
 * @param dataDir where the node keeps its log and hard state
 * @param bindHost the address the node's servers listen on
 * @param gatewayPort the client port of a gateway (ignored by nodes)
 * @param members every node of the cluster, with the addresses peers and clients dial
 * @param clusterToken a shared secret every Raft RPC must carry; RPCs without it are refused
 * @param tickMs the length of one Raft tick
 * @param electionTicks the base election timeout, in ticks
 * @param heartbeatTicks the heartbeat interval, in ticks
 * @param limits limits on client requests
 * @param tuning knobs of replication and the log, for experiments; optional in the file
 * @param requestIds how long and how many request ids are remembered for exactly-once retries;
 *     optional in the file
 * @param storage the write-ahead log's files; optional in the file
 * @param snapshots when snapshots are taken, how much log stays, how they are sent; optional
 * @param transport limits and timeouts of the Raft transport; optional in the file
 * @param gateway how a gateway finds the leader and retries; optional in the file
 * @param metrics what {@code GET /metrics} serves; optional in the file
 * @param watch how much change history a node keeps for watchers, and how many it serves;
 *     optional in the file
 * @param leases the bounds of lease time-to-live; optional in the file
 * @param tls TLS on the client and Raft ports; optional in the file (off)
 * @param auth the client tokens and their roles; optional in the file (off)
 */
public record NodeConfig(
    int nodeId,
    String dataDir,
    String bindHost,
    int gatewayPort,
    List<Member> members,
    String clusterToken,
    int tickMs,
    int electionTicks,
    int heartbeatTicks,
    Limits limits,
    Tuning tuning,
    RequestIds requestIds,
    Storage storage,
    Snapshots snapshots,
    TransportOptions transport,
    Gateway gateway,
    Metrics metrics,
    Watch watch,
    Leases leases,
    TlsSettings tls,
    AuthSettings auth) {

  /** Never prints the cluster token: a configuration may be logged. */
  @Override
  public String toString() {
    return "NodeConfig[nodeId=" + nodeId + ", dataDir=" + dataDir + ", members=" + members
        + ", tls=" + (tls != null && tls.enabled()) + ", auth=" + (auth != null && auth.enabled())
        + "]";
  }

  /**
   * Watches ({@code GET /v1/watch}). Each node keeps the latest changes in memory, for watchers
   * that start in the past or resume; a change is dropped once any of the three history limits
   * is passed.
   *
   * @param historyRevisions the most changes kept
   * @param historyMs the longest a change is kept
   * @param historyBytes about the most memory the kept changes take (keys and values)
   * @param maxWatchers open watch streams one front end serves at most (503 beyond)
   * @param progressMs how often an idle stream gets a {@code progress} event
   */
  public record Watch(int historyRevisions, long historyMs, long historyBytes, int maxWatchers,
      long progressMs) {
    public static final Watch DEFAULTS = new Watch(100_000, 600_000, 64L << 20, 10_000, 5_000);
  }

  /**
   * Leases ({@code POST /v1/leases}).
   *
   * @param minTtlMs a shorter time to live is raised to this; at least two election timeouts
   *     of the default tick, so that an election cannot eat a lease
   * @param maxTtlMs a longer one is refused (400)
   * @param maxExpiriesPerTick how many expired leases a leader ends per tick at most (the rest
   *     on the next ticks), so that a mass expiry does not flood the log
   */
  public record Leases(long minTtlMs, long maxTtlMs, int maxExpiriesPerTick) {
    public static final Leases DEFAULTS = new Leases(1_000, 7L * 24 * 3600 * 1000, 1_000);
  }

  /**
   * The Prometheus metrics of {@code GET /metrics} (README, "Metrics").
   *
   * @param enabled false serves no metrics (404) and records none: only to measure what they cost
   */
  public record Metrics(boolean enabled) {
    public static final Metrics DEFAULTS = new Metrics(true);
  }

  /** One cluster member and the addresses others reach it at. */
  public record Member(int id, String host, int raftPort, int clientPort) {
    /** Where clients reach the member: {@code scheme} is {@link NodeConfig#scheme()}. */
    public String clientUrl(String scheme) {
      return scheme + "://" + host + ":" + clientPort;
    }
  }

  /** The scheme of every client port of this cluster: https with TLS on. */
  public String scheme() {
    return tls != null && tls.enabled() ? "https" : "http";
  }

  /** Where {@code member}'s clients reach it, with this cluster's scheme. */
  public String clientUrl(Member member) {
    return member.clientUrl(scheme());
  }

  /**
   * What one front end allows its clients (docs/API.md, "Limits").
   *
   * @param maxKeyBytes longest key, in UTF-8 bytes (413 beyond)
   * @param maxValueBytes largest value (413 beyond)
   * @param maxInflightRequests client requests a front end works on at once, counted once their
   *     body is read (429 beyond)
   * @param requestTimeoutMs how long a front end waits for its node before answering 503 or 504
   * @param maxListKeys the most keys one page of a listing holds; a larger {@code limit} is
   *     clamped to it (default 10,000)
   * @param maxListBytes a page of a listing ends once its keys and asked-for values reach this
   *     many bytes, though it always holds at least one key (default 4 MiB)
   * @param maxConnections client connections a front end holds open at once; one more is
   *     answered 503 and closed (default 4,096)
   * @param readTimeoutMs a connection's first request must arrive whole, and a request's body
   *     must arrive whole, within this long (408 beyond; default 10 s)
   * @param idleTimeoutMs a kept-alive connection with no request for this long is closed
   *     (default 90 s, longer than raftkv's own clients keep theirs)
   */
  public record Limits(int maxKeyBytes, int maxValueBytes, int maxInflightRequests,
      int requestTimeoutMs, int maxListKeys, int maxListBytes, int maxConnections,
      int readTimeoutMs, int idleTimeoutMs) {
    public static final Limits DEFAULTS =
        new Limits(1024, 1 << 20, 10_000, 5_000, 10_000, 4 << 20, 4096, 10_000, 90_000);

    /** The given request limits, with the defaults for listings and connections. */
    public Limits(int maxKeyBytes, int maxValueBytes, int maxInflightRequests,
        int requestTimeoutMs) {
      this(maxKeyBytes, maxValueBytes, maxInflightRequests, requestTimeoutMs, 10_000, 4 << 20,
          4096, 10_000, 90_000);
    }

    public Limits withConnections(int maxConnections, int readTimeoutMs, int idleTimeoutMs) {
      return new Limits(maxKeyBytes, maxValueBytes, maxInflightRequests, requestTimeoutMs,
          maxListKeys, maxListBytes, maxConnections, readTimeoutMs, idleTimeoutMs);
    }

    public Limits withListing(int maxListKeys, int maxListBytes) {
      return new Limits(maxKeyBytes, maxValueBytes, maxInflightRequests, requestTimeoutMs,
          maxListKeys, maxListBytes, maxConnections, readTimeoutMs, idleTimeoutMs);
    }
  }

  /**
   * How replication and the log trade latency for throughput. The defaults are what raftkv is
   * measured with; the others exist to measure what each mechanism is worth (bench/compare.sh).
   *
   * @param maxInflightAppends AppendEntries messages on their way to one follower at once
   *     (pipelining; 1 waits for each answer before sending the next)
   * @param maxEntriesPerAppend entries in one AppendEntries (batching; 1 sends each alone)
   * @param groupCommit whether log writes queued while one is on disk share the next fsync
   *     (false: one fsync for each batch the Raft core hands over)
   * @param batchReads whether linearizable reads share leadership rounds (false: a heartbeat
   *     round of its own for every read)
   * @param maxCommittedPerReady committed entries applied in one event-loop turn: a long backlog
   *     (after a restart) is applied in slices of this many, with other events served between
   */
  public record Tuning(int maxInflightAppends, int maxEntriesPerAppend, boolean groupCommit,
      boolean batchReads, int maxCommittedPerReady) {
    public static final Tuning DEFAULTS = new Tuning(32, 512, true, true, 4096);
  }

  /**
   * Exactly-once retries (docs/API.md): a write that carries an {@code X-Request-Id} is applied
   * at most once while its id is remembered.
   *
   * @param retentionMs how long a client's request id is remembered, from when its write is
   *     applied, on the leaders' clocks (default 10 minutes): a retry within it is never applied
   *     twice
   * @param gatewayRetentionMs how long the ids a gateway gives to writes that came without one
   *     are remembered: the gateway retries only within a request's deadline, so these need far
   *     less than a client's (default 15 s, three deadlines; at 20,000 writes/s through gateways
   *     that is 300,000 ids, about 60 MiB, within {@code maxMemoryBytes})
   * @param maxMemoryBytes a leader refuses writes with a new request id (429, nothing written)
   *     while the remembered ids take about this much memory (about 180 bytes per id plus 2 per
   *     character, default 64 MiB); it never forgets a young id to make room
   */
  public record RequestIds(long retentionMs, long gatewayRetentionMs, long maxMemoryBytes) {
    public static final RequestIds DEFAULTS = new RequestIds(600_000, 15_000, 64L << 20);
  }

  /**
   * @param segmentSizeBytes a log segment file is closed and the next one started once it
   *     reaches this size (default 64 MiB, at most 1 GiB)
   */
  public record Storage(long segmentSizeBytes) {
    public static final Storage DEFAULTS = new Storage(StorageOptions.DEFAULT_SEGMENT_SIZE_BYTES);
  }

  /**
   * Snapshots and log compaction (docs/DESIGN.md, "Snapshots").
   *
   * @param intervalEntries a snapshot is taken once this many entries were applied since the
   *     last one (default 100,000)
   * @param intervalBytes or once the commands applied since the last one reach this many bytes
   *     (default 64 MiB), whichever comes first
   * @param logMarginEntries entries kept, in memory and on disk, before a snapshot's index when
   *     the log is compacted, so a follower a little behind gets entries rather than a whole
   *     snapshot (default 10,000)
   * @param chunkBytes the size of each piece a snapshot is sent to a follower in (default 1
   *     MiB, at most 8 MiB)
   * @param sendBytesPerSecond how fast a leader sends one snapshot (default 64 MiB/s), so
   *     replication to the other followers keeps flowing meanwhile
   */
  public record Snapshots(long intervalEntries, long intervalBytes, long logMarginEntries,
      int chunkBytes, long sendBytesPerSecond) {
    public static final int MAX_CHUNK_BYTES = 8 << 20;
    public static final Snapshots DEFAULTS =
        new Snapshots(100_000, 64L << 20, 10_000, 1 << 20, 64L << 20);
  }

  /**
   * @param pollIntervalMs how often a gateway asks every member who leads
   * @param maxAttempts how many times a gateway sends one request before it gives up (a retry
   *     follows a refusal that wrote nothing, or an unknown outcome of a write with a request id)
   * @param firstBackoffMs the wait before the first retry (at least 1); each further one waits
   *     twice as long
   * @param connectionsPerNode keep-alive connections a front end holds to each node it forwards
   *     to
   */
  public record Gateway(long pollIntervalMs, int maxAttempts, long firstBackoffMs,
      int connectionsPerNode) {
    public static final Gateway DEFAULTS = new Gateway(500, 6, 50, 64);
  }

  public Optional<Member> member(int id) {
    return members.stream().filter(m -> m.id() == id).findFirst();
  }

  public Member self() {
    return member(nodeId).orElseThrow();
  }

  public boolean isGateway() {
    return nodeId == 0;
  }

  /** What the Raft transport needs: this node's Raft port, its peers' addresses, the token. */
  public TransportSettings transportSettings() {
    List<TransportSettings.Peer> peers = new ArrayList<>();
    for (Member m : members) {
      if (m.id() != nodeId) peers.add(new TransportSettings.Peer(m.id(), m.host(), m.raftPort()));
    }
    return new TransportSettings(nodeId, bindHost, self().raftPort(), peers, clusterToken,
        transport);
  }

  /** The write-ahead log's options, with {@code --repair} or without. */
  public StorageOptions storageOptions(boolean repair) {
    return StorageOptions.defaults().withSegmentSizeBytes(storage.segmentSizeBytes())
        .withRepair(repair);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration, to change some of it. */
  public Builder toBuilder() {
    return new Builder().nodeId(nodeId).dataDir(dataDir).bindHost(bindHost)
        .gatewayPort(gatewayPort).members(members).clusterToken(clusterToken).tickMs(tickMs)
        .electionTicks(electionTicks).heartbeatTicks(heartbeatTicks).limits(limits)
        .tuning(tuning).requestIds(requestIds).storage(storage).snapshots(snapshots)
        .transport(transport)
        .gateway(gateway).metrics(metrics).watch(watch).leases(leases).tls(tls).auth(auth);
  }

  /**
   * Builds a configuration in code (tests, embedding). Every optional section starts at its
   * default; {@link #build()} checks the result as a configuration file is checked.
   */
  public static final class Builder {
    private int nodeId;
    private String dataDir = "";
    private String bindHost = "127.0.0.1";
    private int gatewayPort;
    private List<Member> members = List.of();
    private String clusterToken;
    private int tickMs = 50;
    private int electionTicks = 10;
    private int heartbeatTicks = 2;
    private Limits limits = Limits.DEFAULTS;
    private Tuning tuning = Tuning.DEFAULTS;
    private RequestIds requestIds = RequestIds.DEFAULTS;
    private Storage storage = Storage.DEFAULTS;
    private Snapshots snapshots = Snapshots.DEFAULTS;
    private TransportOptions transport = TransportOptions.defaults();
    private Gateway gateway = Gateway.DEFAULTS;
    private Metrics metrics = Metrics.DEFAULTS;
    private Watch watch = Watch.DEFAULTS;
    private Leases leases = Leases.DEFAULTS;
    private TlsSettings tls = TlsSettings.DEFAULTS;
    private AuthSettings auth = AuthSettings.DEFAULTS;

    private Builder() {}

    public Builder nodeId(int id) { nodeId = id; return this; }
    public Builder dataDir(String dir) { dataDir = dir; return this; }
    public Builder bindHost(String host) { bindHost = host; return this; }
    public Builder gatewayPort(int port) { gatewayPort = port; return this; }
    public Builder members(List<Member> all) { members = List.copyOf(all); return this; }
    public Builder clusterToken(String token) { clusterToken = token; return this; }
    public Builder tickMs(int ms) { tickMs = ms; return this; }
    public Builder electionTicks(int ticks) { electionTicks = ticks; return this; }
    public Builder heartbeatTicks(int ticks) { heartbeatTicks = ticks; return this; }
    public Builder limits(Limits l) { limits = l; return this; }
    public Builder tuning(Tuning t) { tuning = t; return this; }
    public Builder requestIds(RequestIds r) { requestIds = r; return this; }
    public Builder storage(Storage s) { storage = s; return this; }
    public Builder snapshots(Snapshots s) { snapshots = s; return this; }
    public Builder transport(TransportOptions t) { transport = t; return this; }
    public Builder gateway(Gateway g) { gateway = g; return this; }
    public Builder metrics(Metrics m) { metrics = m; return this; }
    public Builder watch(Watch w) { watch = w; return this; }
    public Builder leases(Leases l) { leases = l; return this; }
    public Builder tls(TlsSettings t) { tls = t; return this; }
    public Builder auth(AuthSettings a) { auth = a; return this; }

    /** @throws IllegalArgumentException naming the first field that is not usable */
    public NodeConfig build() {
      NodeConfig config = new NodeConfig(nodeId, dataDir, bindHost, gatewayPort, members,
          clusterToken, tickMs, electionTicks, heartbeatTicks, limits, tuning, requestIds,
          storage, snapshots, transport, gateway, metrics, watch, leases, tls, auth);
      try {
        ConfigFile.validate(config, "configuration");
      } catch (ConfigException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      return config;
    }
  }
}
