package raftkv.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import raftkv.bench.DurationConverter;

/**
 * The options of every {@code kv} and {@code cluster} command (where the cluster is, how to
 * print, how long to keep trying), and the frame that runs such a command: it hands the command
 * a client and an output, and turns a failure into a message on stderr and the exit status.
 */
final class ClientOptions {

  /** The gateway and nodes 1 to 3 of {@code ./cluster.sh} with its default ports. */
  static final String LOCAL_CLUSTER = "http://127.0.0.1:8100,http://127.0.0.1:8101,"
      + "http://127.0.0.1:8102,http://127.0.0.1:8103";

  /** What a command does once its options are read; it fails by throwing {@link ClientError}. */
  interface Action {
    void run(ClusterClient client, Output out);
  }

  @Spec(Spec.Target.MIXEE) CommandSpec command;

  @Option(names = "--endpoints", split = ",", paramLabel = "URL",
      defaultValue = "${env:RAFTKV_ENDPOINTS:-" + LOCAL_CLUSTER + "}",
      description = "nodes or gateways to ask who leads, in this order; requests then go to the"
          + " leader (default: $RAFTKV_ENDPOINTS if set, else the gateway and nodes 1-3 of"
          + " ./cluster.sh; now ${DEFAULT-VALUE})")
  List<String> endpoints;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
      description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
  Output.Format format;

  @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "10s",
      converter = TimeoutConverter.class,
      description = "how long to keep trying, every retry included: 500ms, 10s, 2m"
          + " (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--cacert", paramLabel = "FILE",
      defaultValue = "${env:RAFTKV_CACERT}",
      description = "the cluster's CA certificates (PEM), trusted for https endpoints"
          + " (default: $RAFTKV_CACERT; ./raftkv sets it for a ./cluster.sh start --tls"
          + " cluster)")
  String caCert;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "read the bearer token from FILE (default: $RAFTKV_TOKEN, which ./raftkv"
          + " sets to a ./cluster.sh start --auth cluster's admin token); never on the command"
          + " line, where other users see it")
  String tokenFile;

  /** Runs {@code action}; returns the exit status, having said on stderr what went wrong. */
  int run(Action action) {
    PrintWriter out = command.commandLine().getOut();
    PrintWriter err = command.commandLine().getErr();
    try {
      action.run(new ClusterClient(baseUrls(), timeout, ClientTls.trusting(caCert), token()),
          new Output(format, out));
      return ClientError.OK;
    } catch (ClientError e) {
      out.flush();
      err.println("raftkv: " + e.getMessage());
      return e.exitCode;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The endpoints as base URLs: {@code http://} added to a bare host:port, no trailing slash. */
  private List<String> baseUrls() {
    List<String> urls = new ArrayList<>();
    for (String endpoint : endpoints) {
      String url = endpoint.trim();
      if (url.isEmpty()) continue;
      if (!url.contains("://")) url = (caCert != null ? "https://" : "http://") + url;
      while (url.endsWith("/")) url = url.substring(0, url.length() - 1);
      if (!isBaseUrl(url)) {
        throw new ClientError(ClientError.USAGE, "bad endpoint '" + endpoint + "': give a URL"
            + " such as http://127.0.0.1:8101 or https://..., or host:port");
      }
      if (!urls.contains(url)) urls.add(url);
    }
    if (urls.isEmpty()) {
      throw new ClientError(ClientError.USAGE, "no endpoints: give --endpoints URL[,URL...]");
    }
    return urls;
  }

  /** The token to send: from --token-file, else $RAFTKV_TOKEN, else none. */
  private String token() {
    if (tokenFile != null) {
      try {
        String token = java.nio.file.Files.readString(java.nio.file.Path.of(tokenFile)).trim();
        if (token.isEmpty()) throw new ClientError(ClientError.USAGE, tokenFile + " is empty");
        return token;
      } catch (java.io.IOException e) {
        throw new ClientError(ClientError.USAGE, "cannot read --token-file " + tokenFile + ": "
            + e.getMessage());
      }
    }
    String env = System.getenv("RAFTKV_TOKEN");
    return env == null || env.isBlank() ? null : env.trim();
  }

  /** HTTP or HTTPS, a host, and nothing after the port. */
  private static boolean isBaseUrl(String url) {
    try {
      URI uri = new URI(url);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null
          && uri.getRawPath().isEmpty() && uri.getRawQuery() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** A duration as the load tester reads it ({@code 500ms}, {@code 10s}, {@code 2m}), above 0. */
  static final class TimeoutConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      Duration timeout = DurationConverter.parse(text);
      if (timeout.toMillis() <= 0) {
        throw new TypeConversionException("'" + text + "' is not a positive duration such as"
            + " 500ms, 10s or 2m");
      }
      return timeout;
    }
  }
}
