package raftkv.bench;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the load tester speaks to a cluster with TLS or tokens on: the CA it trusts for https://
 * URLs, and the bearer token every request carries.
 *
 * @param caCert a PEM file of CA certificates, or null for the JVM's default trust
 * @param authorization the {@code Authorization} header, or null
 */
record BenchTls(String caCert, String authorization, String engine) {

  static final BenchTls NONE = new BenchTls(null, null, "jdk");

  /**
   * From the load tester's options; the token is read from its file now.
   *
   * @param engine {@code openssl} (BoringSSL, when it loads here), {@code jdk}, or {@code auto}:
   *     openssl if it loads, else jdk. The load tester shares the machine with the cluster, so
   *     its own TLS costs the cluster CPU: the cheaper, the fairer the measurement.
   */
  static BenchTls of(String caCert, String tokenFile, String engine) {
    String authorization = null;
    if (tokenFile != null) {
      try {
        authorization = "Bearer " + Files.readString(Path.of(tokenFile)).trim();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read --token-file " + tokenFile, e);
      }
    }
    boolean openssl = "openssl".equals(engine)
        || ("auto".equals(engine) && OpenSSLEngineOptions.isAvailable());
    if (!openssl && !"jdk".equals(engine) && !"auto".equals(engine)) {
      throw new IllegalArgumentException("--tls-engine: jdk, openssl or auto, got " + engine);
    }
    return new BenchTls(caCert, authorization, openssl ? "openssl" : "jdk");
  }

  /** Sets up {@code options} to trust the CA (requests to https:// URLs use TLS). */
  void apply(HttpClientOptions options) {
    if (caCert != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(caCert));
    }
    options.setSslEngineOptions("openssl".equals(engine) ? new OpenSSLEngineOptions()
        : new JdkSSLEngineOptions());
  }

  /** Never shows the token. */
  @Override
  public String toString() {
    return "BenchTls[caCert=" + caCert + ", token=" + (authorization != null) + ", engine="
        + engine + "]";
  }
}
