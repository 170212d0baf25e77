package raftkv.security;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for one node's (or gateway's) servers and clients, from its {@link TlsSettings}: what each
 * server and client is set up with, and the reload of changed certificate files.
 *
 * <ul>
 *   <li>The Raft port ({@link #peerServer}) asks every peer for a certificate of the cluster's CA
 *       that names a member; a node dialling a peer ({@link #peerClient}) takes only a
 *       certificate that names that peer. Both sides present their own certificate.
 *   <li>The client port ({@link #clientServer}) presents the certificate and asks for none.
 *       A front end dialling another's client port ({@link #client}) checks the certificate
 *       against the CA and the host name it dials, as any HTTPS client does.
 * </ul>
 *
 * <p>Every {@code reloadCheckMs} the files are looked at; when they changed and the new ones
 * load and check, every server and client {@linkplain #track tracked} takes them for its new
 * connections (open ones keep theirs). Files that fail to load are logged and the old ones kept.
 */
public final class Tls {

  private static final Logger LOG = LoggerFactory.getLogger(Tls.class);

  /** Warn of a certificate that expires sooner than this, once a day. */
  private static final Duration EXPIRY_WARNING = Duration.ofDays(7);

  /** No TLS: plain HTTP everywhere. */
  public static final Tls OFF = new Tls(null, TlsSettings.DEFAULTS, 0, null, false);

  private final Vertx vertx;
  private final TlsSettings settings;
  private final int memberId;
  /** Whether BoringSSL does the TLS (else the JVM), as {@code tls.engine} chose. */
  private final boolean openssl;
  private volatile TlsMaterial material;
  private final Map<Object, Integer> tracked = Collections.synchronizedMap(new WeakHashMap<>());
  private long timer = -1;
  private boolean checking;
  private boolean closed;
  private Instant lastExpiryWarning = Instant.EPOCH;

  private Tls(Vertx vertx, TlsSettings settings, int memberId, TlsMaterial material,
      boolean openssl) {
    this.vertx = vertx;
    this.settings = settings;
    this.memberId = memberId;
    this.material = material;
    this.openssl = openssl;
  }

  /**
   * Loads and checks the files on a worker, then looks for changes every
   * {@code reloadCheckMs}. {@link #OFF} when TLS is off.
   *
   * @param memberId the member id the certificate must name, or 0 for a gateway
   */
  public static Future<Tls> start(Vertx vertx, TlsSettings settings, int memberId) {
    if (settings == null || !settings.enabled()) return Future.succeededFuture(OFF);
    boolean[] openssl = new boolean[1];
    return vertx.executeBlocking(() -> {
      openssl[0] = usesOpenSsl(settings); // loads the native library, if any: not on a loop
      if ("openssl".equals(settings.engine()) && !openssl[0]) {
        throw new TlsException("tls.engine is openssl, but BoringSSL (netty-tcnative) cannot be"
            + " loaded on this machine (" + io.netty.handler.ssl.OpenSsl.unavailabilityCause()
            + "): use \"auto\" or \"jdk\"");
      }
      return warmedUp(TlsMaterial.load(settings, memberId, Instant.now()), openssl[0]);
    }, false)
        .map(loaded -> {
          Tls tls = new Tls(vertx, settings, memberId, loaded, openssl[0]);
          tls.warnIfExpiringSoon(Instant.now());
          if (settings.reloadCheckMs() > 0) {
            tls.timer = vertx.setPeriodic(settings.reloadCheckMs(), id -> tls.checkForChanges());
          }
          return tls;
        });
  }

  /**
   * Makes one TLS context of the JVM's and one of Netty's with {@code material} here, on a
   * worker: the first in a process loads and initializes hundreds of classes (a third of a
   * second), which the servers and clients would otherwise do on their event loops.
   */
  private static TlsMaterial warmedUp(TlsMaterial material, boolean openssl) throws Exception {
    javax.net.ssl.SSLContext jdk = javax.net.ssl.SSLContext.getInstance("TLS");
    jdk.init(null, new javax.net.ssl.TrustManager[] {material.caTrust()}, null);
    jdk.createSSLEngine().getSupportedCipherSuites();
    io.netty.handler.ssl.SslContextBuilder.forClient().trustManager(material.caTrust())
        .sslProvider(openssl ? io.netty.handler.ssl.SslProvider.OPENSSL
            : io.netty.handler.ssl.SslProvider.JDK)
        .build().newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT);
    return material;
  }

  /**
   * Whether BoringSSL does the TLS: {@code openssl}, or {@code auto} where it loads. The first
   * ask loads the native library: on a worker ({@link #start}'s), not an event loop.
   */
  private static boolean usesOpenSsl(TlsSettings settings) {
    return "openssl".equals(settings.engine())
        || ("auto".equals(settings.engine()) && OpenSSLEngineOptions.isAvailable());
  }

  public boolean enabled() {
    return material != null;
  }

  /** {@code https} with TLS on, else {@code http}: the scheme of every client URL. */
  public String scheme() {
    return enabled() ? "https" : "http";
  }

  /** The certificate in use now, or null with TLS off. */
  public TlsMaterial material() {
    return material;
  }

  /** The client port's server options: {@code base} with TLS, if on. */
  public HttpServerOptions clientServer(HttpServerOptions base) {
    if (!enabled()) return base;
    return base.setSsl(true).setKeyCertOptions(keyCert()).setSslEngineOptions(engine());
  }

  /** The Raft port's: TLS with a certificate required of every peer. */
  public HttpServerOptions peerServer(HttpServerOptions base) {
    if (!enabled()) return base;
    return base.setSsl(true).setKeyCertOptions(keyCert()).setSslEngineOptions(engine())
        .setTrustOptions(peerTrust(0)).setClientAuth(ClientAuth.REQUIRED);
  }

  /**
   * The options of a client that dials peer {@code peerId}'s Raft port: presents this node's
   * certificate, and takes only one that names {@code peerId} (not the host name: peers may be
   * dialled through proxies).
   */
  public HttpClientOptions peerClient(HttpClientOptions base, int peerId) {
    if (!enabled()) return base;
    return base.setSsl(true).setVerifyHost(false).setKeyCertOptions(keyCert())
        .setTrustOptions(peerTrust(peerId)).setSslEngineOptions(engine());
  }

  /** The options of a client that dials client ports: checks the CA and the host name. */
  public HttpClientOptions client(HttpClientOptions base) {
    if (!enabled()) return base;
    return base.setSsl(true).setVerifyHost(true).setTrustOptions(caTrust())
        .setSslEngineOptions(engine());
  }

  /** Gives {@code server} new certificates on reload ({@code peers}: it is the Raft port). */
  public void track(HttpServer server, boolean peers) {
    if (enabled()) tracked.put(server, peers ? -1 : 0);
  }

  /** Gives {@code client} new certificates on reload: a peer's (peerId > 0) or client ports'. */
  public void track(HttpClientAgent client, int peerId) {
    if (enabled()) tracked.put(client, peerId);
  }

  /** Stops giving new files to {@code owner}, a server or client that closes. */
  public void untrack(Object owner) {
    tracked.remove(owner);
  }

  public void close() {
    closed = true;
    if (timer >= 0) vertx.cancelTimer(timer);
    timer = -1;
  }

  private PemKeyCertOptions keyCert() {
    TlsMaterial m = material;
    return new PemKeyCertOptions().setCertValue(Buffer.buffer(m.certPem()))
        .setKeyValue(Buffer.buffer(m.keyPem()));
  }

  private TrustOptions peerTrust(int expectedServer) {
    return TrustOptions.wrap(new PeerTrust(material.caTrust(), expectedServer));
  }

  private TrustOptions caTrust() {
    return TrustOptions.wrap(material.caTrust());
  }

  private SSLEngineOptions engine() {
    return openssl ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
  }

  /** {@code openssl} or {@code jdk}: what does the TLS, for the log. */
  public String engineName() {
    return openssl ? "openssl (" + io.netty.handler.ssl.OpenSsl.versionString() + ")" : "jdk";
  }

  private void checkForChanges() {
    if (checking || closed) return;
    checking = true;
    TlsMaterial current = material;
    vertx.executeBlocking(() -> {
      if (TlsMaterial.stamp(settings).equals(current.stamp())) return null;
      return TlsMaterial.load(settings, memberId, Instant.now());
    }, false).onComplete(done -> {
      checking = false;
      if (closed) return; // the servers and clients are closing: nothing to give them
      if (done.failed()) {
        LOG.warn("the changed TLS files were not taken, the certificate in use stays (valid"
            + " until {}): {}", current.notAfter(), done.cause().getMessage());
      } else if (done.result() != null) {
        material = done.result();
        updateTracked();
        LOG.info("took the changed TLS files: new connections use the certificate {} (valid"
            + " until {})", material.certificate().getSubjectX500Principal().getName(),
            material.notAfter());
      }
      warnIfExpiringSoon(Instant.now());
    });
  }

  private void updateTracked() {
    Map<Object, Integer> now;
    synchronized (tracked) {
      now = Map.copyOf(tracked);
    }
    now.forEach((owner, role) -> {
      Future<Boolean> updated;
      if (owner instanceof HttpServer server) {
        ServerSSLOptions options = new ServerSSLOptions().setKeyCertOptions(keyCert());
        if (role < 0) {
          options.setTrustOptions(peerTrust(0)).setClientAuth(ClientAuth.REQUIRED);
        }
        updated = server.updateSSLOptions(options);
      } else {
        HttpClientAgent client = (HttpClientAgent) owner;
        ClientSSLOptions options = role > 0
            ? new ClientSSLOptions().setKeyCertOptions(keyCert()).setTrustOptions(peerTrust(role))
                .setHostnameVerificationAlgorithm("")
            : new ClientSSLOptions().setTrustOptions(caTrust())
                .setHostnameVerificationAlgorithm("HTTPS");
        updated = client.updateSSLOptions(options);
      }
      updated.onFailure(e -> LOG.warn("could not give new TLS files to {}: {}",
          owner.getClass().getSimpleName(), e.toString()));
    });
  }

  private void warnIfExpiringSoon(Instant now) {
    Instant notAfter = material.notAfter();
    if (now.plus(EXPIRY_WARNING).isAfter(notAfter)
        && Duration.between(lastExpiryWarning, now).compareTo(Duration.ofDays(1)) > 0) {
      lastExpiryWarning = now;
      LOG.warn("the certificate in {} expires at {}: replace the file (it is reloaded within"
          + " {} ms)", settings.certFile(), notAfter, settings.reloadCheckMs());
    }
  }
}
