package raftkv.bench;

import io.vertx.core.http.HttpClientOptions;
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
record BenchTls(String caCert, String authorization) {

  static final BenchTls NONE = new BenchTls(null, null);

  /** From the load tester's options; the token is read from its file now. */
  static BenchTls of(String caCert, String tokenFile) {
    String authorization = null;
    if (tokenFile != null) {
      try {
        authorization = "Bearer " + Files.readString(Path.of(tokenFile)).trim();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read --token-file " + tokenFile, e);
      }
    }
    return new BenchTls(caCert, authorization);
  }

  /** Sets up {@code options} to trust the CA (requests to https:// URLs use TLS). */
  void apply(HttpClientOptions options) {
    if (caCert != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(caCert));
    }
  }

  /** Never shows the token. */
  @Override
  public String toString() {
    return "BenchTls[caCert=" + caCert + ", token=" + (authorization != null) + "]";
  }
}
