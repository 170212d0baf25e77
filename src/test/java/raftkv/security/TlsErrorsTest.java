package raftkv.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** A failed handshake, as either TLS engine reports it, is told in words with what to do. */
class TlsErrorsTest {

  private static Throwable handshake(String message, Throwable cause) {
    SSLHandshakeException e = new SSLHandshakeException(message);
    if (cause != null) e.initCause(cause);
    return e;
  }

  @Test
  void eachEnginesWordingGivesTheSameAdvice() {
    assertThat(TlsErrors.describe(handshake("PKIX path building failed: unable to find valid"
        + " certification path to requested target", null)))
        .contains("not signed by this node's CA");
    assertThat(TlsErrors.describe(handshake("Received fatal alert: certificate_unknown", null)))
        .contains("does not take this node's certificate");
    assertThat(TlsErrors.describe(handshake(
        "error:10000416:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_UNKNOWN", null)))
        .contains("does not take this node's certificate");
    assertThat(TlsErrors.describe(handshake("Empty client certificate chain", null)))
        .contains("no certificate of this node's CA was presented");
    assertThat(TlsErrors.describe(handshake(
        "error:100000c0:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE", null)))
        .contains("no certificate of this node's CA was presented");
    assertThat(TlsErrors.describe(handshake("General SSLEngine problem",
        new CertificateExpiredException("NotAfter: Thu Jan 02 00:00:00 UTC 2020"))))
        .contains("has expired");
    assertThat(TlsErrors.describe(handshake("x", new java.security.cert.CertificateException(
        "the certificate names member 3, but member 2 was dialled"))))
        .endsWith("the certificate names member 3, but member 2 was dialled");
    assertThat(TlsErrors.describe(new io.netty.handler.ssl.NotSslRecordException(
        "not an SSL/TLS record: 474554"))).contains("does not speak TLS");
  }
}
