package raftkv.security;

/**
 * TLS on a node's client and Raft ports (docs/API.md, "TLS"), the {@code tls} section of its
 * configuration. Off by default. On, both ports speak HTTPS only; the Raft port also asks every
 * peer for a certificate signed by {@code caFile} that names the member id it speaks for.
 *
 * @param enabled whether the ports speak TLS
 * @param certFile this node's certificate (PEM), followed by any intermediates; a node's
 *     names its member id as the URI {@code urn:raftkv:member:<id>} among its subject
 *     alternative names, and the host names clients dial it by
 * @param keyFile the certificate's private key (PEM, PKCS#8: {@code BEGIN PRIVATE KEY})
 * @param caFile the certificates this node trusts (PEM): peers' certificates must chain to one,
 *     and so must the certificates of the nodes a front end forwards to
 * @param reloadCheckMs how often the three files are checked for changes; changed files that
 *     load and check are used for new connections without a restart (0: never)
 * @param engine {@code auto} (BoringSSL when it loads on this machine, else the JVM's TLS),
 *     {@code openssl} (BoringSSL through netty-tcnative, which raftkv ships for linux-x86_64;
 *     a process that cannot load it does not start) or {@code jdk} (the JVM's TLS)
 */
public record TlsSettings(boolean enabled, String certFile, String keyFile, String caFile,
    long reloadCheckMs, String engine) {

  public static final TlsSettings DEFAULTS = new TlsSettings(false, "", "", "", 10_000, "auto");
}
