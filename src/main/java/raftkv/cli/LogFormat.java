package raftkv.cli;

import java.util.Locale;

/**
 * Chooses the log format before anything logs: text lines (the default), or with {@code
 * RAFTKV_LOG_FORMAT=json} (or {@code -Draftkv.logFormat=json}) one JSON object per line for log
 * shippers, from {@code raftkv/logback-json.xml}.
 */
final class LogFormat {

  static final String PROPERTY = "raftkv.logFormat";
  static final String ENVIRONMENT = "RAFTKV_LOG_FORMAT";

  private LogFormat() {}

  /**
   * Points Logback at the configuration of the chosen format; call first thing in main.
   *
   * @return null, or what is wrong with the setting
   */
  static String choose() {
    String format = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
    if (format == null || format.isBlank()) return null;
    switch (format.trim().toLowerCase(Locale.ROOT)) {
      case "text":
        return null;
      case "json":
        if (System.getProperty("logback.configurationFile") == null) {
          System.setProperty("logback.configurationFile", "raftkv/logback-json.xml");
        }
        return null;
      default:
        return "the log format '" + format + "' (" + ENVIRONMENT + " or -D" + PROPERTY
            + ") is not one of: text, json";
    }
  }
}
