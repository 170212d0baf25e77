package raftkv.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.OptionalInt;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The CA's checks, and then the member a certificate must name: on the Raft port, a peer's
 * certificate must name some member (which one is checked against each request's sender); a
 * node dialling peer N takes only a certificate that names N. A certificate that fails is
 * refused in the TLS handshake, before any request is read.
 */
final class PeerTrust extends X509ExtendedTrustManager {

  private final X509ExtendedTrustManager ca;
  private final int expectedServer;

  /**
   * @param expectedServer the member id a server's certificate must name (0 when this trust
   *     manager only checks clients, as the Raft port's does)
   */
  PeerTrust(X509ExtendedTrustManager ca, int expectedServer) {
    this.ca = ca;
    this.expectedServer = expectedServer;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    ca.checkClientTrusted(chain, authType, socket);
    requireMember(chain, 0);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    ca.checkClientTrusted(chain, authType, engine);
    requireMember(chain, 0);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    ca.checkClientTrusted(chain, authType);
    requireMember(chain, 0);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    ca.checkServerTrusted(chain, authType, socket);
    requireMember(chain, expectedServer);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    ca.checkServerTrusted(chain, authType, engine);
    requireMember(chain, expectedServer);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    ca.checkServerTrusted(chain, authType);
    requireMember(chain, expectedServer);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return ca.getAcceptedIssuers();
  }

  private static void requireMember(X509Certificate[] chain, int expected)
      throws CertificateException {
    OptionalInt named = chain.length == 0 ? OptionalInt.empty()
        : MemberIdentity.memberId(chain[0]);
    if (named.isEmpty()) {
      throw new CertificateException("the certificate names no member (no subject alternative"
          + " name " + MemberIdentity.URI_PREFIX + "<id>)");
    }
    if (expected != 0 && named.getAsInt() != expected) {
      throw new CertificateException("the certificate names member " + named.getAsInt()
          + ", but member " + expected + " was dialled");
    }
  }
}
