package raftkv.config;

/** A configuration file or override that cannot be used; the message names the field. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }
}
