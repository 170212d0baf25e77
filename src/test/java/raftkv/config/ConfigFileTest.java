package raftkv.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.transport.TransportOptions;
import raftkv.transport.TransportSettings;

/** A configuration file loads with its defaults, and every bad field is refused by name. */
class ConfigFileTest {

  @TempDir Path tmp;

  private Path writeConfig(Consumer<JsonObject> change) throws IOException {
    JsonObject json = new JsonObject(Files.readString(Path.of("conf/node1.json")));
    change.accept(json);
    Path file = Files.createTempFile(tmp, "node", ".json");
    Files.writeString(file, json.encodePrettily());
    return file;
  }

  private void assertRejected(Consumer<JsonObject> change, String field) throws IOException {
    Path file = writeConfig(change);
    assertThatThrownBy(() -> ConfigFile.load(file, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(field);
  }

  @Test
  void theShippedConfigurationLoads() throws Exception {
    NodeConfig config = ConfigFile.load(writeConfig(json -> {}), Map.of());
    assertThat(config.nodeId()).isEqualTo(1);
    assertThat(config.members()).hasSize(3);
  }

  @Test
  void unknownFieldsAreNamed() throws IOException {
    assertRejected(json -> json.put("tickMS", 20), "'tickMS'");
    assertRejected(json -> json.getJsonArray("members").getJsonObject(1).put("raftport", 1),
        "'members[1].raftport'");
    assertRejected(json -> json.getJsonObject("limits").put("maxValues", 1),
        "'limits.maxValues'");
  }

  @Test
  void fieldsOfTheWrongTypeAreNamed() throws IOException {
    assertRejected(json -> json.put("tickMs", "fast"), "'tickMs'");
    assertRejected(json -> json.put("members", "all of them"), "'members'");
    assertRejected(json -> json.getJsonObject("limits").put("maxValueBytes", "big"),
        "'limits.maxValueBytes'");
    assertRejected(json -> json.getJsonArray("members").getJsonObject(0).put("clientPort", true),
        "'members[0].clientPort'");
  }

  @Test
  void missingFieldsAndEmptyMembersAreNamed() throws IOException {
    assertRejected(json -> json.remove("members"), "field 'members'");
    assertRejected(json -> json.put("members", new JsonArray()), "field 'members'");
    assertRejected(json -> json.putNull("members"), "field 'members'");
  }

  @Test
  void tuningIsOptionalFieldByFieldAndOverridable() throws Exception {
    assertThat(ConfigFile.load(writeConfig(json -> {}), Map.of()).tuning())
        .isEqualTo(NodeConfig.Tuning.DEFAULTS);
    NodeConfig partial = ConfigFile.load(
        writeConfig(json -> json.put("tuning", new JsonObject().put("maxInflightAppends", 1))),
        Map.of("tuning.groupCommit", "false"));
    assertThat(partial.tuning()).isEqualTo(new NodeConfig.Tuning(1, 512, false, true, 4096));
    assertRejected(json -> json.put("tuning", new JsonObject().put("maxEntriesPerAppend", 0)),
        "'tuning.maxEntriesPerAppend'");
    assertRejected(json -> json.put("tuning", new JsonObject().put("pipelining", true)),
        "'tuning.pipelining'");
    assertRejected(json -> json.put("tuning", "fast"), "'tuning'");
  }

  @Test
  void requestIdRetentionIsOptionalAndBounded() throws Exception {
    assertThat(ConfigFile.load(writeConfig(json -> {}), Map.of()).requestIds())
        .isEqualTo(NodeConfig.RequestIds.DEFAULTS);
    NodeConfig partial = ConfigFile.load(writeConfig(json -> {}),
        Map.of("requestIds.retentionMs", "3600000"));
    assertThat(partial.requestIds().retentionMs()).isEqualTo(3_600_000);
    assertThat(partial.requestIds().maxMemoryBytes())
        .isEqualTo(NodeConfig.RequestIds.DEFAULTS.maxMemoryBytes());
    // shorter than a request's deadline (5 s here) twice over: a retry could miss its id
    assertRejected(json -> json.put("requestIds", new JsonObject().put("retentionMs", 9_999)),
        "'requestIds.retentionMs'");
    assertRejected(json -> json.put("requestIds",
        new JsonObject().put("gatewayRetentionMs", Long.MAX_VALUE)),
        "'requestIds.gatewayRetentionMs'");
    assertRejected(json -> json.put("requestIds", new JsonObject().put("maxMemoryBytes", -1)),
        "'requestIds.maxMemoryBytes'");
  }

  @Test
  void aFileThatIsNotJsonIsRefused() throws IOException {
    Path file = Files.createTempFile(tmp, "node", ".json");
    Files.writeString(file, "{\"nodeId\": 1,");
    assertThatThrownBy(() -> ConfigFile.load(file, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void everyOperationalSectionIsOptionalAndChecked() throws Exception {
    NodeConfig defaults = ConfigFile.load(writeConfig(json -> {}), Map.of());
    assertThat(defaults.storage()).isEqualTo(NodeConfig.Storage.DEFAULTS);
    assertThat(defaults.transport()).isEqualTo(TransportOptions.defaults());
    assertThat(defaults.gateway()).isEqualTo(NodeConfig.Gateway.DEFAULTS);
    assertThat(defaults.tuning().maxCommittedPerReady()).isEqualTo(4096);

    NodeConfig changed = ConfigFile.load(writeConfig(json -> {}), Map.of(
        "storage.segmentSizeBytes", "1048576", "transport.maxQueuedMessages", "77",
        "gateway.maxAttempts", "2", "tuning.maxCommittedPerReady", "128"));
    assertThat(changed.storageOptions(false).segmentSizeBytes()).isEqualTo(1 << 20);
    assertThat(changed.transportSettings().options().maxQueuedMessages()).isEqualTo(77);
    assertThat(changed.transportSettings().options().connectTimeoutMs())
        .isEqualTo(TransportOptions.defaults().connectTimeoutMs());
    assertThat(changed.gateway().maxAttempts()).isEqualTo(2);
    assertThat(changed.tuning().maxCommittedPerReady()).isEqualTo(128);

    assertRejected(json -> json.put("storage", new JsonObject().put("segmentSizeBytes", 0)),
        "'storage.segmentSizeBytes'");
    assertRejected(json -> json.put("storage", new JsonObject().put("segmentSizeBytes",
        (1L << 30) + 1)), "'storage.segmentSizeBytes'");
    assertRejected(json -> json.put("transport", new JsonObject().put("requestTimeoutMs", 0)),
        "field 'transport.requestTimeoutMs' must be >= 1, got 0");
    assertRejected(json -> json.put("transport", new JsonObject().put("queue", 1)),
        "'transport.queue'");
    assertRejected(json -> json.put("gateway", new JsonObject().put("maxAttempts", 0)),
        "'gateway.maxAttempts'");
    assertRejected(json -> json.put("gateway", new JsonObject().put("firstBackoffMs", 0)),
        "'gateway.firstBackoffMs'");
    assertRejected(json -> json.put("tuning", new JsonObject().put("maxCommittedPerReady", 0)),
        "'tuning.maxCommittedPerReady'");
  }

  @Test
  void theTransportSeesItsPeersAndNotItself() throws Exception {
    NodeConfig config = ConfigFile.load(writeConfig(json -> {}), Map.of("nodeId", "2"));
    TransportSettings settings = config.transportSettings();
    assertThat(settings.nodeId()).isEqualTo(2);
    assertThat(settings.port()).isEqualTo(7102);
    assertThat(settings.peerIds()).containsExactly(1, 3);
    assertThat(settings.clusterToken()).isEqualTo(config.clusterToken());
  }

  @Test
  void theBuilderChecksAsTheFileDoes() {
    List<NodeConfig.Member> members = List.of(new NodeConfig.Member(1, "127.0.0.1", 1, 2));
    NodeConfig built = NodeConfig.builder().nodeId(1).dataDir("d").members(members)
        .clusterToken("t").build();
    assertThat(built.toBuilder().build()).isEqualTo(built);
    assertThatThrownBy(() -> built.toBuilder().nodeId(5).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nodeId'");
    assertThatThrownBy(() -> built.toBuilder().clusterToken("").build())
        .hasMessageContaining("'clusterToken'");
  }

  @Test
  void aSectionGivenAsNullIsNamed() throws IOException {
    for (String section : List.of("tuning", "requestIds", "storage", "transport", "gateway")) {
      assertRejected(json -> json.putNull(section), "field '" + section + "'");
    }
    Path file = writeConfig(json -> {});
    assertThatThrownBy(() -> ConfigFile.load(file, Map.of("gateway", "null")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("field 'gateway'");
  }

  @Test
  void tlsAndAuthAreOffByDefaultAndCheckedWhenOn() throws Exception {
    NodeConfig plain = ConfigFile.load(writeConfig(json -> {}), Map.of());
    assertThat(plain.tls().enabled()).isFalse();
    assertThat(plain.auth().enabled()).isFalse();
    assertThat(plain.scheme()).isEqualTo("http");
    assertRejected(json -> json.put("tls", new JsonObject().put("enabled", true)),
        "'tls.certFile' is empty");
    assertRejected(json -> json.put("tls", new JsonObject().put("engine", "gnutls")),
        "'tls.engine'");
    assertRejected(json -> json.put("tls", new JsonObject().put("reloadCheckMs", 5)),
        "'tls.reloadCheckMs'");
    NodeConfig tls = ConfigFile.load(writeConfig(json -> json.put("tls", new JsonObject()
        .put("enabled", true).put("certFile", "c.pem").put("keyFile", "k.pem")
        .put("caFile", "ca.pem"))), Map.of());
    assertThat(tls.scheme()).isEqualTo("https");
    assertThat(tls.clientUrl(tls.self())).startsWith("https://");
  }

  @Test
  void authTokensAreHashesWithKnownRoles() throws Exception {
    String hash = raftkv.security.Tokens.hash("rkv_secret");
    JsonObject token = new JsonObject().put("name", "app").put("role", "read-write")
        .put("sha256", hash);
    NodeConfig on = ConfigFile.load(writeConfig(json -> json.put("auth", new JsonObject()
        .put("enabled", true).put("tokens", new JsonArray().add(token)))), Map.of());
    assertThat(on.auth().tokens()).singleElement().satisfies(t -> {
      assertThat(t.role()).isEqualTo(raftkv.security.Role.READ_WRITE);
      assertThat(t.sha256()).isEqualTo(hash);
    });
    // neither the configuration's text nor its tokens' print a secret
    assertThat(on.toString()).doesNotContain(hash).doesNotContain(on.clusterToken());
    assertRejected(json -> json.put("auth", new JsonObject().put("enabled", true)),
        "'auth.tokens' is empty");
    assertRejected(json -> json.put("auth", new JsonObject().put("tokens", new JsonArray()
        .add(token.copy().put("sha256", "not-a-hash")))), "'auth.tokens[0].sha256'");
    assertRejected(json -> json.put("auth", new JsonObject().put("tokens", new JsonArray()
        .add(token.copy().put("role", "superuser")))), "superuser");
    assertRejected(json -> json.put("auth", new JsonObject().put("tokens", new JsonArray()
        .add(token.copy().put("token", "rkv_plain")))), "only their hashes");
    assertRejected(json -> json.put("auth", new JsonObject().put("tokens", new JsonArray()
        .add(token).add(token.copy().put("name", "other")))), "listed before");
    assertRejected(json -> json.put("auth", new JsonObject().put("tokens", new JsonArray()
        .add(token.copy().putNull("role")))),
        "'auth.tokens[0].role'");
  }
}
