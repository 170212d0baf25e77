package raftkv.security;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;

/** Says what a failed TLS handshake means, and what to do, from the exception's causes. */
public final class TlsErrors {

  private TlsErrors() {}

  public static String describe(Throwable failure) {
    String all = chain(failure);
    String why;
    if (has(failure, CertificateExpiredException.class) || all.contains("certificate_expired")) {
      why = "a certificate has expired: give the node a new one (it is reloaded without a"
          + " restart)";
    } else if (has(failure, CertificateNotYetValidException.class)) {
      why = "a certificate is not valid yet: check the machines' clocks";
    } else if (all.contains("names member") || all.contains("names no member")) {
      why = innermost(failure);
    } else if (all.contains("PKIX path") || all.contains("unable to find valid certification")) {
      why = "the other side's certificate is not signed by this node's CA (tls.caFile): every"
          + " node and peer must use certificates of the same CA";
    } else if (all.contains("NotSslRecord") || all.contains("not an SSL/TLS record")) {
      why = "the other side does not speak TLS: turn tls.enabled on for every member";
    } else if (all.contains("Empty client certificate chain") || all.contains("null cert chain")
        || all.contains("certificate_required") || all.contains("CERTIFICATE_REQUIRED")
        || all.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
      // a client whose certificate is of another CA presents none: it offers only one of
      // the CAs this node asks for
      why = "no certificate of this node's CA was presented: peers must present a certificate"
          + " of the cluster's CA (tls.caFile)";
    } else if (all.toLowerCase(java.util.Locale.ROOT).contains("certificate_unknown")
        || all.toLowerCase(java.util.Locale.ROOT).contains("unknown_ca")
        || all.toLowerCase(java.util.Locale.ROOT).contains("bad_certificate")) {
      // an alert: the other side refused this node's certificate
      why = "the other side does not take this node's certificate: it trusts another CA (every"
          + " node and peer must use certificates of the same CA), or expects another member";
    } else {
      why = innermost(failure);
    }
    return "TLS handshake failed: " + why;
  }

  /** Whether {@code t} or one of its causes is a {@code type}. */
  public static boolean has(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) return true;
    }
    return false;
  }

  /** Every cause's class and message, in one line to search. */
  public static String chain(Throwable t) {
    StringBuilder out = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      out.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" | ");
    }
    return out.toString();
  }

  /** The deepest cause's message (or class): usually what went wrong, in the fewest words. */
  public static String innermost(Throwable t) {
    Throwable last = t;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null) last = c;
    }
    return last.getMessage() != null ? last.getMessage() : last.getClass().getSimpleName();
  }
}
