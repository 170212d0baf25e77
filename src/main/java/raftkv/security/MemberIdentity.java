package raftkv.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.OptionalInt;

/**
 * How a certificate says which member it speaks for: the URI {@code urn:raftkv:member:<id>}
 * among its subject alternative names. A certificate without one is no member's, and cannot
 * speak on the Raft port.
 */
public final class MemberIdentity {

  public static final String URI_PREFIX = "urn:raftkv:member:";

  /** The subject alternative name of type URI, in {@link X509Certificate#getSubjectAlternativeNames}. */
  private static final int URI_NAME = 6;

  private MemberIdentity() {}

  /** The URI that names member {@code id}. */
  public static String uri(int id) {
    return URI_PREFIX + id;
  }

  /**
   * The member id {@code certificate} names, if it names exactly one (a certificate naming two
   * members could speak for either, so it speaks for none).
   */
  public static OptionalInt memberId(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return OptionalInt.empty();
    }
    if (names == null) return OptionalInt.empty();
    OptionalInt found = OptionalInt.empty();
    for (List<?> name : names) {
      if (name.size() < 2 || !(name.get(0) instanceof Integer type) || type != URI_NAME) continue;
      String uri = String.valueOf(name.get(1));
      if (!uri.startsWith(URI_PREFIX)) continue;
      OptionalInt id = parse(uri.substring(URI_PREFIX.length()));
      if (id.isEmpty() || (found.isPresent() && found.getAsInt() != id.getAsInt())) {
        return OptionalInt.empty();
      }
      found = id;
    }
    return found;
  }

  private static OptionalInt parse(String digits) {
    if (!digits.matches("[1-9][0-9]{0,9}")) return OptionalInt.empty();
    long id = Long.parseLong(digits);
    return id > Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of((int) id);
  }
}
