package raftkv.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import raftkv.config.NodeConfig.Member;
import raftkv.security.AuthSettings;
import raftkv.security.Role;
import raftkv.security.TlsSettings;
import raftkv.security.Tokens;
import raftkv.storage.StorageOptions;
import raftkv.transport.TransportOptions;

/**
 * Reads a {@link NodeConfig} from a JSON file, applies {@code --set path=value} overrides
 * (dotted paths for nested fields, e.g. {@code limits.maxValueBytes=65536}), fills in the
 * optional sections' defaults, and checks every field. A problem is a {@link ConfigException}
 * that names the field.
 */
public final class ConfigFile {

  /** The longest a request id may be remembered: a week. */
  public static final long MAX_RETENTION_MS = 7L * 24 * 3600 * 1000;

  /** The sections that may be left out, wholly or field by field, and their defaults. */
  private static final Map<String, Object> OPTIONAL_SECTIONS = Map.ofEntries(
      Map.entry("watch", NodeConfig.Watch.DEFAULTS),
      Map.entry("leases", NodeConfig.Leases.DEFAULTS),
      Map.entry("limits", NodeConfig.Limits.DEFAULTS),
      Map.entry("tuning", NodeConfig.Tuning.DEFAULTS),
      Map.entry("requestIds", NodeConfig.RequestIds.DEFAULTS),
      Map.entry("storage", NodeConfig.Storage.DEFAULTS),
      Map.entry("snapshots", NodeConfig.Snapshots.DEFAULTS),
      Map.entry("transport", TransportOptions.defaults()),
      Map.entry("gateway", NodeConfig.Gateway.DEFAULTS),
      Map.entry("metrics", NodeConfig.Metrics.DEFAULTS),
      Map.entry("tls", TlsSettings.DEFAULTS),
      Map.entry("auth", AuthSettings.DEFAULTS));

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

  private ConfigFile() {}

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
    for (Map.Entry<String, String> o : overrides.entrySet()) {
      override(root, o.getKey(), o.getValue());
    }
    return parse(root, file.toString());
  }

  /** Checks a parsed tree; {@code source} names it in messages. */
  static NodeConfig parse(JsonNode tree, String source) throws ConfigException {
    if (tree instanceof ObjectNode root) fillDefaults(root);
    NodeConfig config;
    try {
      config = MAPPER.treeToValue(tree, NodeConfig.class);
    } catch (UnrecognizedPropertyException e) {
      String field = path(e);
      if (field.startsWith("auth.tokens") && field.endsWith(".token")) {
        throw new ConfigException(source + ": field '" + field + "': the configuration holds"
            + " no tokens, only their hashes: replace it with \"sha256\": the output of"
            + " 'raftkv token hash'");
      }
      throw new ConfigException(source + ": unknown field '" + field + "'");
    } catch (InvalidFormatException e) {
      throw new ConfigException(source + ": field '" + path(e) + "' has a bad value '"
          + e.getValue() + "' (expected " + e.getTargetType().getSimpleName() + ")");
    } catch (ValueInstantiationException e) {
      // a section's own check refused a value: "<field> must be ..., got ..."
      String why = String.valueOf((e.getCause() != null ? e.getCause() : e).getMessage());
      int space = why.indexOf(' ');
      throw space > 0
          ? new ConfigException(source + ": field '" + path(e) + "." + why.substring(0, space)
              + "'" + why.substring(space))
          : new ConfigException(source + ": section '" + path(e) + "' " + why);
    } catch (MismatchedInputException e) {
      throw new ConfigException(source + ": field '" + path(e) + "' is missing or of the wrong "
          + "type (" + e.getOriginalMessage().split("\n")[0] + ")");
    } catch (IOException e) {
      throw new ConfigException(source + ": " + e.getMessage());
    }
    validate(config, source);
    return config;
  }

  private static void fillDefaults(ObjectNode root) {
    for (Map.Entry<String, Object> section : OPTIONAL_SECTIONS.entrySet()) {
      JsonNode defaults = MAPPER.valueToTree(section.getValue());
      JsonNode given = root.get(section.getKey());
      if (given == null) {
        root.set(section.getKey(), defaults);
      } else if (given instanceof ObjectNode fields) {
        defaults.fields().forEachRemaining(f -> {
          if (!fields.has(f.getKey())) fields.set(f.getKey(), f.getValue());
        });
      } // anything else is reported by the parser, with the field named
    }
  }

  private static String path(JsonMappingException e) {
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

  /** Checks what the types alone cannot; also used by {@link NodeConfig.Builder#build()}. */
  static void validate(NodeConfig c, String source) throws ConfigException {
    checkSectionsPresent(c, source);
    validateMembers(c, source);
    if (c.nodeId() == 0) checkPort(source, "gatewayPort", c.gatewayPort());
    if (c.nodeId() != 0 && blank(c.dataDir())) fail(source, "dataDir", "is empty");
    if (blank(c.bindHost())) fail(source, "bindHost", "is empty");
    if (blank(c.clusterToken())) fail(source, "clusterToken", "is empty");
    if (c.tickMs() < 1) fail(source, "tickMs", "must be >= 1");
    if (c.heartbeatTicks() < 1 || c.electionTicks() <= c.heartbeatTicks()) {
      fail(source, "electionTicks", "must be greater than heartbeatTicks (>= 1)");
    }
    validateLimits(c.limits(), source);
    validateTuning(c.tuning(), source);
    validateRequestIds(c, source);
    long segment = c.storage().segmentSizeBytes();
    if (segment < 1 || segment > StorageOptions.MAX_SEGMENT_SIZE_BYTES) {
      fail(source, "storage.segmentSizeBytes", "must be between 1 and " + StorageOptions.MAX_SEGMENT_SIZE_BYTES
          + " (1 GiB), got " + segment);
    }
    validateSnapshots(c.snapshots(), source);
    validateWatchAndLeases(c, source);
    validateTls(c.tls(), source);
    validateAuth(c.auth(), source);
    NodeConfig.Gateway g = c.gateway();
    atLeast(source, "gateway.pollIntervalMs", g.pollIntervalMs(), 1);
    atLeast(source, "gateway.maxAttempts", g.maxAttempts(), 1);
    atLeast(source, "gateway.firstBackoffMs", g.firstBackoffMs(), 1);
    atLeast(source, "gateway.connectionsPerNode", g.connectionsPerNode(), 1);
  }

  /** A section given as {@code null} is refused by name (left out, it takes its defaults). */
  private static void checkSectionsPresent(NodeConfig c, String source) throws ConfigException {
    if (c.limits() == null) fail(source, "limits", "is missing");
    if (c.tuning() == null) fail(source, "tuning", "must be an object, not null");
    if (c.requestIds() == null) fail(source, "requestIds", "must be an object, not null");
    if (c.storage() == null) fail(source, "storage", "must be an object, not null");
    if (c.snapshots() == null) fail(source, "snapshots", "must be an object, not null");
    if (c.transport() == null) fail(source, "transport", "must be an object, not null");
    if (c.gateway() == null) fail(source, "gateway", "must be an object, not null");
    if (c.metrics() == null) fail(source, "metrics", "must be an object, not null");
    if (c.watch() == null) fail(source, "watch", "must be an object, not null");
    if (c.leases() == null) fail(source, "leases", "must be an object, not null");
    if (c.tls() == null) fail(source, "tls", "must be an object, not null");
    if (c.auth() == null) fail(source, "auth", "must be an object, not null");
  }

  private static void validateTls(TlsSettings t, String source) throws ConfigException {
    if (!List.of("auto", "jdk", "openssl").contains(t.engine())) {
      fail(source, "tls.engine", "must be \"auto\", \"jdk\" or \"openssl\", got '"
          + t.engine() + "'");
    }
    if (t.reloadCheckMs() != 0) atLeast(source, "tls.reloadCheckMs", t.reloadCheckMs(), 100);
    if (!t.enabled()) return;
    if (blank(t.certFile())) fail(source, "tls.certFile", "is empty, but tls.enabled is true");
    if (blank(t.keyFile())) fail(source, "tls.keyFile", "is empty, but tls.enabled is true");
    if (blank(t.caFile())) fail(source, "tls.caFile", "is empty, but tls.enabled is true");
  }

  private static void validateAuth(AuthSettings a, String source) throws ConfigException {
    if (a.tokens() == null) fail(source, "auth.tokens", "must be a list, not null");
    Set<String> names = new HashSet<>();
    Set<String> hashes = new HashSet<>();
    for (int i = 0; i < a.tokens().size(); i++) {
      AuthSettings.Token t = a.tokens().get(i);
      String field = "auth.tokens[" + i + "]";
      if (t == null) fail(source, field, "is null");
      if (blank(t.name())) fail(source, field + ".name", "is empty");
      if (!names.add(t.name())) fail(source, field + ".name", "'" + t.name() + "' appears twice");
      if (t.role() == null) {
        fail(source, field + ".role", "is missing (read, read-write or admin)");
      }
      if (!Tokens.isHash(t.sha256())) {
        fail(source, field + ".sha256", "must be a token's SHA-256, 64 lowercase hex digits, as"
            + " 'raftkv token hash' prints it");
      }
      if (!hashes.add(t.sha256())) {
        fail(source, field + ".sha256", "is the hash of a token listed before it");
      }
    }
    if (a.enabled() && a.tokens().isEmpty()) {
      fail(source, "auth.tokens", "is empty, but auth.enabled is true: add one made by"
          + " 'raftkv token new --name NAME --role " + Role.READ_WRITE.configName() + "'");
    }
  }

  private static void validateWatchAndLeases(NodeConfig c, String source)
      throws ConfigException {
    NodeConfig.Watch w = c.watch();
    atLeast(source, "watch.historyRevisions", w.historyRevisions(), 1);
    atLeast(source, "watch.historyMs", w.historyMs(), 1);
    atLeast(source, "watch.historyBytes", w.historyBytes(), 1);
    atLeast(source, "watch.maxWatchers", w.maxWatchers(), 0);
    atLeast(source, "watch.progressMs", w.progressMs(), 10);
    NodeConfig.Leases l = c.leases();
    atLeast(source, "leases.minTtlMs", l.minTtlMs(), 1);
    atLeast(source, "leases.maxTtlMs", l.maxTtlMs(), l.minTtlMs());
    atLeast(source, "leases.maxExpiriesPerTick", l.maxExpiriesPerTick(), 1);
  }

  private static void validateSnapshots(NodeConfig.Snapshots s, String source)
      throws ConfigException {
    atLeast(source, "snapshots.intervalEntries", s.intervalEntries(), 1);
    atLeast(source, "snapshots.intervalBytes", s.intervalBytes(), 1);
    atLeast(source, "snapshots.logMarginEntries", s.logMarginEntries(), 0);
    atLeast(source, "snapshots.chunkBytes", s.chunkBytes(), 1024);
    if (s.chunkBytes() > NodeConfig.Snapshots.MAX_CHUNK_BYTES) {
      fail(source, "snapshots.chunkBytes", "must be at most " + NodeConfig.Snapshots.MAX_CHUNK_BYTES
          + " (8 MiB), got " + s.chunkBytes());
    }
    atLeast(source, "snapshots.sendBytesPerSecond", s.sendBytesPerSecond(), 1024);
  }

  private static void validateMembers(NodeConfig c, String source) throws ConfigException {
    if (c.members() == null || c.members().isEmpty()) {
      fail(source, "members", "must list at least one node");
    }
    Set<Integer> ids = new HashSet<>();
    for (Member m : c.members()) {
      if (m.id() <= 0) fail(source, "members", "ids must be positive, got " + m.id());
      if (!ids.add(m.id())) fail(source, "members", "id " + m.id() + " appears twice");
      if (blank(m.host())) fail(source, "members.host", "is empty");
      checkPort(source, "members.raftPort", m.raftPort());
      checkPort(source, "members.clientPort", m.clientPort());
    }
    if (c.nodeId() != 0 && !ids.contains(c.nodeId())) {
      fail(source, "nodeId", c.nodeId() + " is not among the members " + ids);
    }
  }

  private static void validateLimits(NodeConfig.Limits limits, String source)
      throws ConfigException {
    atLeast(source, "limits.maxKeyBytes", limits.maxKeyBytes(), 1);
    atLeast(source, "limits.maxValueBytes", limits.maxValueBytes(), 0);
    atLeast(source, "limits.maxInflightRequests", limits.maxInflightRequests(), 1);
    atLeast(source, "limits.requestTimeoutMs", limits.requestTimeoutMs(), 1);
    atLeast(source, "limits.maxListKeys", limits.maxListKeys(), 1);
    atLeast(source, "limits.maxListBytes", limits.maxListBytes(), 1);
    atLeast(source, "limits.maxConnections", limits.maxConnections(), 1);
    atLeast(source, "limits.readTimeoutMs", limits.readTimeoutMs(), 1);
    atLeast(source, "limits.idleTimeoutMs", limits.idleTimeoutMs(), 1);
  }

  private static void validateTuning(NodeConfig.Tuning tuning, String source)
      throws ConfigException {
    atLeast(source, "tuning.maxInflightAppends", tuning.maxInflightAppends(), 1);
    atLeast(source, "tuning.maxEntriesPerAppend", tuning.maxEntriesPerAppend(), 1);
    atLeast(source, "tuning.maxCommittedPerReady", tuning.maxCommittedPerReady(), 1);
  }

  /**
   * A retry within one request's deadline must find its id remembered, and a retention of more
   * than a week would only pin memory.
   */
  private static void validateRequestIds(NodeConfig c, String source) throws ConfigException {
    long shortest = 2L * c.limits().requestTimeoutMs();
    NodeConfig.RequestIds ids = c.requestIds();
    checkRetention(source, "requestIds.retentionMs", ids.retentionMs(), shortest);
    checkRetention(source, "requestIds.gatewayRetentionMs", ids.gatewayRetentionMs(), shortest);
    atLeast(source, "requestIds.maxMemoryBytes", ids.maxMemoryBytes(), 0);
  }

  private static void checkRetention(String source, String field, long ms, long shortest)
      throws ConfigException {
    if (ms < shortest || ms > MAX_RETENTION_MS) {
      fail(source, field, "must be between twice limits.requestTimeoutMs (" + shortest
          + ") and a week (" + MAX_RETENTION_MS + "), got " + ms);
    }
  }

  private static void atLeast(String source, String field, long value, long least)
      throws ConfigException {
    if (value < least) fail(source, field, "must be >= " + least + ", got " + value);
  }

  private static void checkPort(String source, String field, int port) throws ConfigException {
    if (port < 0 || port > 65535) fail(source, field, "must be a port number, got " + port);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static void fail(String source, String field, String problem) throws ConfigException {
    throw new ConfigException(source + ": field '" + field + "' " + problem);
  }
}
