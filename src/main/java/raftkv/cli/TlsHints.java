package raftkv.cli;

import javax.net.ssl.SSLException;
import raftkv.security.TlsErrors;

/** What a failure of the command line's HTTPS (or of plain HTTP sent to a TLS port) means. */
final class TlsHints {

  private TlsHints() {}

  /** A message with what to do, or null when {@code failure} is no TLS problem. */
  static String of(Throwable failure) {
    String all = TlsErrors.chain(failure);
    if (all.contains("header parser received no bytes")) {
      return "the connection closed before any answer: if the cluster runs with TLS, use"
          + " https:// endpoints (and --cacert)";
    }
    if (!TlsErrors.has(failure, SSLException.class)) return null;
    if (all.contains("Unsupported or unrecognized SSL message")
        || all.contains("plaintext connection")) {
      return "the endpoint does not speak TLS: use http:// for it";
    }
    if (all.contains("PKIX path") || all.contains("unable to find valid certification")) {
      return "the node's certificate is not signed by a CA this client trusts: give the"
          + " cluster's CA with --cacert FILE (or RAFTKV_CACERT)";
    }
    if (all.contains("No subject alternative") || all.contains("No name matching")) {
      return "the node's certificate does not name the host dialled: use a host name or"
          + " address its certificate names";
    }
    if (all.contains("expired") || all.contains("CertificateExpired")) {
      return "the node's certificate has expired: it needs a new one";
    }
    return "TLS failed: " + TlsErrors.innermost(failure);
  }
}
