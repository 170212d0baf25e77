package raftkv.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The command line's trust in a cluster's CA ({@code --cacert}). */
final class ClientTls {

  private ClientTls() {}

  /** An SSL context that trusts the certificates in {@code caFile}; null for none given. */
  static SSLContext trusting(String caFile) {
    if (caFile == null || caFile.isBlank()) return null;
    try (InputStream in = Files.newInputStream(Path.of(caFile))) {
      Collection<? extends Certificate> cas =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (cas.isEmpty()) {
        throw new ClientError(ClientError.USAGE, "--cacert " + caFile + " holds no PEM"
            + " certificate");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate ca : cas) store.setCertificateEntry("ca-" + i++, ca);
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new ClientError(ClientError.USAGE, "cannot read --cacert " + caFile + ": " + e);
    } catch (GeneralSecurityException e) {
      throw new ClientError(ClientError.USAGE, "--cacert " + caFile + " does not hold PEM"
          + " certificates: " + e.getMessage());
    }
  }
}
