package raftkv.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A node's (or a standalone front end's) settings, read from a JSON file under {@code conf/}.
 * Every field can be overridden on the command line with {@code --set path=value} (dotted paths
 * for nested fields, e.g. {@code limits.maxValueBytes=65536}).
 *
 * @param nodeId this node's id among {@code members}; 0 for a standalone front end
 * @param dataDir where the node keeps its log and hard state
 * @param bindHost the address the node's servers listen on
 * @param gatewayPort the client port of a standalone front end (ignored by nodes)
 * @param members every node of the cluster, with the addresses peers and clients dial
 * @param clusterToken a shared secret every Raft RPC must carry; RPCs without it are refused
 * @param tickMs the length of one Raft tick
 * @param electionTicks the base election timeout, in ticks
 * @param heartbeatTicks the heartbeat interval, in ticks
 * @param limits limits on client requests
 * @param tuning knobs of replication and the log, for experiments; optional in the file
 * @param requestIds how long and how many request ids are remembered for exactly-once retries;
 *     optional in the file
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
    RequestIds requestIds) {

  /** One cluster member and the addresses others reach it at. */
  public record Member(int id, String host, int raftPort, int clientPort) {
    public String clientUrl() {
      return "http://" + host + ":" + clientPort;
    }
  }

  /**
   * @param maxKeyBytes longest key, in UTF-8 bytes (413 beyond)
   * @param maxValueBytes largest value (413 beyond)
   * @param maxInflightRequests client requests a front end holds at once (429 beyond)
   * @param requestTimeoutMs how long a front end waits for its node before answering 503 or 504
   */
  public record Limits(int maxKeyBytes, int maxValueBytes, int maxInflightRequests,
      int requestTimeoutMs) {}

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
   */
  public record Tuning(int maxInflightAppends, int maxEntriesPerAppend, boolean groupCommit,
      boolean batchReads) {
    public static final Tuning DEFAULTS = new Tuning(32, 512, true, true);
  }

  /**
   * Exactly-once retries (API.md): a write that carries an {@code X-Request-Id} is applied at
   * most once while its id is remembered.
   *
   * @param retentionMs how long a client's request id is remembered, from when its write is
   *     applied, on the leaders' clocks (default 10 minutes): a retry within it is never applied
   *     twice
   * @param gatewayRetentionMs how long the ids a gateway gives to writes that came without one
   *     are remembered: the gateway retries only within a request's deadline, so these need far
   *     less than a client's (default 60 s)
   * @param maxMemoryBytes a leader refuses writes with a new request id (429, nothing written)
   *     while the remembered ids take about this much memory (about 200 bytes per id plus its
   *     characters, default 64 MiB); it never forgets a young id to make room
   */
  public record RequestIds(long retentionMs, long gatewayRetentionMs, long maxMemoryBytes) {
    public static final RequestIds DEFAULTS = new RequestIds(600_000, 60_000, 64L << 20);
  }

  /** A configuration file or override that cannot be used; the message names the field. */
  public static final class ConfigException extends Exception {
    public ConfigException(String message) {
      super(message);
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

  public Optional<Member> member(int id) {
    return members.stream().filter(m -> m.id() == id).findFirst();
  }

  public Member self() {
    return member(nodeId).orElseThrow();
  }

  public boolean isGateway() {
    return nodeId == 0;
  }

  /** Reads {@code file}, applies {@code overrides} (dotted path to value), and validates. */
  public static NodeConfig load(Path file, Map<String, String> overrides) throws ConfigException {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration " + file + ": " + e.getMessage());
    }
    if (!(tree instanceof ObjectNode root)) {
      throw new ConfigException(file + ": the configuration must be a JSON object");
    }
    fillDefaults(root);
    for (Map.Entry<String, String> o : overrides.entrySet()) override(root, o.getKey(), o.getValue());
    return parse(root, file.toString());
  }

  /**
   * {@code tuning} and {@code requestIds}, and each of their fields, may be left out: the
   * defaults fill in.
   */
  private static void fillDefaults(ObjectNode root) {
    fillDefaults(root, "tuning", Tuning.DEFAULTS);
    fillDefaults(root, "requestIds", RequestIds.DEFAULTS);
  }

  private static void fillDefaults(ObjectNode root, String field, Object defaultValue) {
    JsonNode defaults = MAPPER.valueToTree(defaultValue);
    JsonNode given = root.get(field);
    if (given == null) {
      root.set(field, defaults);
    } else if (given instanceof ObjectNode section) {
      defaults.fields().forEachRemaining(f -> {
        if (!section.has(f.getKey())) section.set(f.getKey(), f.getValue());
      });
    } // anything else is reported by the parser, with the field named
  }

  static NodeConfig parse(JsonNode tree, String source) throws ConfigException {
    if (tree instanceof ObjectNode root) fillDefaults(root);
    NodeConfig config;
    try {
      config = MAPPER.treeToValue(tree, NodeConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(source + ": unknown field '" + path(e) + "'");
    } catch (InvalidFormatException e) {
      throw new ConfigException(source + ": field '" + path(e) + "' has a bad value '"
          + e.getValue() + "' (expected " + e.getTargetType().getSimpleName() + ")");
    } catch (MismatchedInputException e) {
      throw new ConfigException(source + ": field '" + path(e) + "' is missing or of the wrong "
          + "type (" + e.getOriginalMessage().split("\n")[0] + ")");
    } catch (IOException e) {
      throw new ConfigException(source + ": " + e.getMessage());
    }
    config.validate(source);
    return config;
  }

  private static String path(MismatchedInputException e) {
    StringBuilder out = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (out.length() > 0) out.append('.');
        out.append(ref.getFieldName());
      } else {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.toString();
  }

  private static void override(ObjectNode root, String path, String value)
      throws ConfigException {
    String[] parts = path.split("\\.");
    ObjectNode node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      if (!(node.get(parts[i]) instanceof ObjectNode child)) {
        throw new ConfigException("override '" + path + "': '" + parts[i] + "' is not an object"
            + " field of the configuration");
      }
      node = child;
    }
    String field = parts[parts.length - 1];
    try {
      JsonNode parsed = MAPPER.readTree(value);
      node.set(field, parsed == null || parsed.isMissingNode() ? node.textNode(value) : parsed);
    } catch (IOException notJson) {
      node.put(field, value); // a bare string such as a path
    }
  }

  private void validate(String source) throws ConfigException {
    if (members == null || members.isEmpty()) fail(source, "members", "must list at least one node");
    Set<Integer> ids = new HashSet<>();
    for (Member m : members) {
      if (m.id() <= 0) fail(source, "members", "ids must be positive, got " + m.id());
      if (!ids.add(m.id())) fail(source, "members", "id " + m.id() + " appears twice");
      if (m.host() == null || m.host().isBlank()) fail(source, "members.host", "is empty");
      checkPort(source, "members.raftPort", m.raftPort());
      checkPort(source, "members.clientPort", m.clientPort());
    }
    if (nodeId != 0 && !ids.contains(nodeId)) {
      fail(source, "nodeId", nodeId + " is not among the members " + ids);
    }
    if (nodeId == 0) checkPort(source, "gatewayPort", gatewayPort);
    if (nodeId != 0 && (dataDir == null || dataDir.isBlank())) fail(source, "dataDir", "is empty");
    if (bindHost == null || bindHost.isBlank()) fail(source, "bindHost", "is empty");
    if (clusterToken == null || clusterToken.isBlank()) fail(source, "clusterToken", "is empty");
    if (tickMs < 1) fail(source, "tickMs", "must be >= 1");
    if (heartbeatTicks < 1 || electionTicks <= heartbeatTicks) {
      fail(source, "electionTicks", "must be greater than heartbeatTicks (>= 1)");
    }
    if (limits == null) fail(source, "limits", "is missing");
    if (limits.maxKeyBytes() < 1) fail(source, "limits.maxKeyBytes", "must be >= 1");
    if (limits.maxValueBytes() < 0) fail(source, "limits.maxValueBytes", "must be >= 0");
    if (limits.maxInflightRequests() < 1) fail(source, "limits.maxInflightRequests", "must be >= 1");
    if (limits.requestTimeoutMs() < 1) fail(source, "limits.requestTimeoutMs", "must be >= 1");
    if (tuning.maxInflightAppends() < 1) fail(source, "tuning.maxInflightAppends", "must be >= 1");
    if (tuning.maxEntriesPerAppend() < 1) {
      fail(source, "tuning.maxEntriesPerAppend", "must be >= 1");
    }
    // A retry within one request's deadline must find its id remembered, and a retention of
    // more than a week would only pin memory.
    long shortest = 2L * limits.requestTimeoutMs();
    checkRetention(source, "requestIds.retentionMs", requestIds.retentionMs(), shortest);
    checkRetention(source, "requestIds.gatewayRetentionMs", requestIds.gatewayRetentionMs(),
        shortest);
    if (requestIds.maxMemoryBytes() < 0) {
      fail(source, "requestIds.maxMemoryBytes", "must be >= 0");
    }
  }

  /** The longest a request id may be remembered: a week. */
  public static final long MAX_RETENTION_MS = 7L * 24 * 3600 * 1000;

  private static void checkRetention(String source, String field, long ms, long shortest)
      throws ConfigException {
    if (ms < shortest || ms > MAX_RETENTION_MS) {
      fail(source, field, "must be between twice limits.requestTimeoutMs (" + shortest
          + ") and a week (" + MAX_RETENTION_MS + "), got " + ms);
    }
  }

  private static void checkPort(String source, String field, int port) throws ConfigException {
    if (port < 0 || port > 65535) fail(source, field, "must be a port number, got " + port);
  }

  private static void fail(String source, String field, String problem) throws ConfigException {
    throw new ConfigException(source + ": field '" + field + "' " + problem);
  }

  /** A copy with other ports (tests bind port 0 and learn the real ones). */
  public NodeConfig withMembers(List<Member> newMembers) {
    return new NodeConfig(nodeId, dataDir, bindHost, gatewayPort, newMembers, clusterToken, tickMs,
        electionTicks, heartbeatTicks, limits, tuning, requestIds);
  }

  public NodeConfig withNodeId(int id, String newDataDir) {
    return new NodeConfig(id, newDataDir, bindHost, gatewayPort, members, clusterToken, tickMs,
        electionTicks, heartbeatTicks, limits, tuning, requestIds);
  }
}
