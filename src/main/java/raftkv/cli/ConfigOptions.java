package raftkv.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import raftkv.config.ConfigException;
import raftkv.config.ConfigFile;
import raftkv.config.NodeConfig;

/** The options of every command that reads a configuration file. */
final class ConfigOptions {

  @Option(names = "--config", required = true, description = "JSON configuration file")
  Path config;

  @Option(names = "--set", description = "override a field, e.g. --set tickMs=20 "
      + "--set limits.maxValueBytes=65536", mapFallbackValue = "")
  Map<String, String> overrides = new LinkedHashMap<>();

  NodeConfig load() throws ConfigException {
    return ConfigFile.load(config, overrides);
  }
}
