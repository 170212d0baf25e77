package raftkv.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A node's certificate, its key and the CA certificates it trusts, read from PEM files and
 * checked: the key is the certificate's, the certificate is valid now and chains to the CA, and
 * a member's names its member id. Any problem is a {@link TlsException} that says what is wrong
 * with which file, and what to do.
 *
 * <p>Reading files blocks: load on a worker.
 */
public final class TlsMaterial {

  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private final byte[] certPem;
  private final byte[] keyPem;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> authorities;
  private final X509ExtendedTrustManager caTrust;
  private final String stamp;

  private TlsMaterial(byte[] certPem, byte[] keyPem, List<X509Certificate> chain,
      List<X509Certificate> authorities, X509ExtendedTrustManager caTrust, String stamp) {
    this.certPem = certPem;
    this.keyPem = keyPem;
    this.chain = chain;
    this.authorities = authorities;
    this.caTrust = caTrust;
    this.stamp = stamp;
  }

  /**
   * Reads and checks the files {@code settings} names.
   *
   * @param memberId the member id the certificate must name, or 0 (a gateway's, which names
   *     none)
   * @param now the time the certificate must be valid at
   */
  public static TlsMaterial load(TlsSettings settings, int memberId, Instant now)
      throws TlsException {
    // first: files replaced while they are read and checked show as changed at the next look
    String stamp = stamp(settings);
    byte[] certPem = read("tls.certFile", settings.certFile());
    byte[] keyPem = read("tls.keyFile", settings.keyFile());
    byte[] caPem = read("tls.caFile", settings.caFile());
    List<X509Certificate> chain = certificates("tls.certFile", settings.certFile(), certPem);
    List<X509Certificate> authorities = certificates("tls.caFile", settings.caFile(), caPem);
    PrivateKey key = privateKey(settings.keyFile(), keyPem);
    X509Certificate leaf = chain.get(0);
    checkKeyMatches(settings, leaf, key);
    checkValid(settings.certFile(), leaf, now);
    checkChainsToCa(settings, chain, authorities, now);
    if (memberId != 0) {
      var named = MemberIdentity.memberId(leaf);
      if (named.isEmpty() || named.getAsInt() != memberId) {
        throw new TlsException("the certificate " + settings.certFile() + " names "
            + (named.isEmpty() ? "no member" : "member " + named.getAsInt()) + ", but this is"
            + " node " + memberId + ": give it the subject alternative name URI:"
            + MemberIdentity.uri(memberId));
      }
    }
    return new TlsMaterial(certPem, keyPem, List.copyOf(chain), List.copyOf(authorities),
        trustManager(authorities), stamp);
  }

  /**
   * What the three files look like now (sizes and modification times), to tell whether they
   * changed since they were loaded. Blocks.
   */
  public static String stamp(TlsSettings settings) {
    StringBuilder out = new StringBuilder();
    for (String file : List.of(settings.certFile(), settings.keyFile(), settings.caFile())) {
      try {
        Path p = Path.of(file);
        out.append(Files.size(p)).append('@').append(Files.getLastModifiedTime(p).toMillis());
      } catch (IOException | RuntimeException e) {
        out.append("missing");
      }
      out.append(';');
    }
    return out.toString();
  }

  public byte[] certPem() {
    return certPem.clone();
  }

  public byte[] keyPem() {
    return keyPem.clone();
  }

  public X509Certificate certificate() {
    return chain.get(0);
  }

  public Instant notAfter() {
    return chain.get(0).getNotAfter().toInstant();
  }

  public List<X509Certificate> authorities() {
    return authorities;
  }

  /** The JVM's PKIX checks against the CA certificates only (no system trust store). */
  public X509ExtendedTrustManager caTrust() {
    return caTrust;
  }

  String stamp() {
    return stamp;
  }

  private static byte[] read(String field, String file) throws TlsException {
    if (file == null || file.isBlank()) {
      throw new TlsException("tls.enabled is true, but " + field + " is not set");
    }
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (IOException | RuntimeException e) {
      throw new TlsException("cannot read " + field + " " + file + " (" + e
          + "): check the path and that this user may read it");
    }
  }

  private static List<byte[]> pemBlocks(byte[] pem, String type) {
    List<byte[]> out = new ArrayList<>();
    Matcher m = PEM.matcher(new String(pem, StandardCharsets.US_ASCII));
    while (m.find()) {
      if (m.group(1).equals(type)) {
        out.add(Base64.getMimeDecoder().decode(m.group(2)));
      }
    }
    return out;
  }

  private static List<X509Certificate> certificates(String field, String file, byte[] pem)
      throws TlsException {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (byte[] der : pemBlocks(pem, "CERTIFICATE")) {
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new TlsException(field + " " + file + " holds a certificate that does not parse ("
          + e.getMessage() + ")");
    }
    if (out.isEmpty()) {
      throw new TlsException(field + " " + file + " holds no PEM certificate (-----BEGIN"
          + " CERTIFICATE-----)");
    }
    return out;
  }

  private static PrivateKey privateKey(String file, byte[] pem) throws TlsException {
    List<byte[]> keys = pemBlocks(pem, "PRIVATE KEY");
    if (keys.size() != 1) {
      String text = new String(pem, StandardCharsets.US_ASCII);
      String hint = text.contains("ENCRYPTED PRIVATE KEY")
          ? " (it is encrypted: raftkv takes an unencrypted key, readable by its user only)"
          : text.contains("RSA PRIVATE KEY") || text.contains("EC PRIVATE KEY")
              ? " (it is in the older PKCS#1/SEC1 form: convert it with 'openssl pkcs8 -topk8"
                  + " -nocrypt -in " + file + " -out key.pem')"
              : "";
      throw new TlsException("tls.keyFile " + file + " must hold one PEM private key in PKCS#8"
          + " form (-----BEGIN PRIVATE KEY-----)" + hint);
    }
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm)
            .generatePrivate(new PKCS8EncodedKeySpec(keys.get(0)));
      } catch (GeneralSecurityException tryNext) {
        // not this algorithm's key
      }
    }
    throw new TlsException("tls.keyFile " + file + " holds a key raftkv cannot read (RSA, EC"
        + " and EdDSA keys are taken)");
  }

  private static void checkKeyMatches(TlsSettings s, X509Certificate leaf, PrivateKey key)
      throws TlsException {
    byte[] probe = "raftkv key check".getBytes(StandardCharsets.US_ASCII);
    PublicKey publicKey = leaf.getPublicKey();
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448
    };
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      if (verifier.verify(signature)) return;
    } catch (GeneralSecurityException mismatch) {
      // a key of another algorithm than the certificate's: not its key either
    }
    throw new TlsException("the key in " + s.keyFile() + " is not the key of the certificate in "
        + s.certFile() + ": give the key the certificate was made for");
  }

  private static void checkValid(String file, X509Certificate leaf, Instant now)
      throws TlsException {
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw new TlsException("the certificate in " + file + " expired at "
          + leaf.getNotAfter().toInstant() + ": give the node a new one");
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new TlsException("the certificate in " + file + " is valid only from "
          + leaf.getNotBefore().toInstant() + ": check this machine's clock");
    }
  }

  private static void checkChainsToCa(TlsSettings s, List<X509Certificate> chain,
      List<X509Certificate> authorities, Instant now) throws TlsException {
    try {
      Set<TrustAnchor> anchors = new HashSet<>();
      for (X509Certificate ca : authorities) anchors.add(new TrustAnchor(ca, null));
      PKIXParameters parameters = new PKIXParameters(anchors);
      parameters.setRevocationEnabled(false);
      parameters.setDate(java.util.Date.from(now));
      // a chain that ends in the CA certificate itself is validated without it
      List<X509Certificate> path = new ArrayList<>(chain);
      path.removeIf(c -> authorities.contains(c));
      CertPathValidator.getInstance("PKIX").validate(
          CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new TlsException("the certificate in " + s.certFile() + " is not signed by a CA in "
          + s.caFile() + " (" + e.getMessage() + "): every node and peer must use certificates"
          + " of the same CA");
    }
  }

  private static X509ExtendedTrustManager trustManager(List<X509Certificate> authorities)
      throws TlsException {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < authorities.size(); i++) {
        store.setCertificateEntry("ca-" + i, authorities.get(i));
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      for (TrustManager tm : factory.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x509) return x509;
      }
      throw new TlsException("this JVM has no X.509 trust manager");
    } catch (GeneralSecurityException | IOException e) {
      throw new TlsException("cannot make a trust store of the CA certificates: " + e);
    }
  }
}
