package raftkv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node checks its own certificate files before it starts, and each problem is named with
 * what to do: certificates from {@code scripts/tls-certs.sh}.
 */
class TlsMaterialTest {

  @TempDir static Path dir;

  @BeforeAll
  static void makeCertificates() throws Exception {
    run("ca");
    run("member", "1");
    run("member", "2");
    run("member", "7", "--expired");
    run("gateway");
    run("other-ca");
  }

  private static void run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", "scripts/tls-certs.sh", args[0],
        dir.toString()));
    command.addAll(List.of(args).subList(1, args.length));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  private static TlsSettings files(String cert, String key, String ca) {
    return new TlsSettings(true, dir.resolve(cert).toString(), dir.resolve(key).toString(),
        dir.resolve(ca).toString(), 0, "jdk");
  }

  @Test
  void aMembersCertificateLoadsAndNamesIt() throws Exception {
    TlsMaterial m = TlsMaterial.load(files("node1.pem", "node1-key.pem", "ca.pem"), 1,
        Instant.now());
    assertThat(MemberIdentity.memberId(m.certificate())).hasValue(1);
    assertThat(m.notAfter()).isAfter(Instant.now());
    assertThat(MemberIdentity.memberId(TlsMaterial.load(
        files("gateway.pem", "gateway-key.pem", "ca.pem"), 0, Instant.now()).certificate()))
        .isEmpty();
  }

  @Test
  void eachProblemIsNamedWithWhatToDo() throws Exception {
    assertThatThrownBy(() -> TlsMaterial.load(files("node1.pem", "node1-key.pem", "ca.pem"), 2,
        Instant.now())).isInstanceOf(TlsException.class)
        .hasMessageContaining("names member 1, but this is node 2")
        .hasMessageContaining("URI:urn:raftkv:member:2");
    assertThatThrownBy(() -> TlsMaterial.load(files("node1.pem", "node2-key.pem", "ca.pem"), 1,
        Instant.now())).hasMessageContaining("is not the key of the certificate");
    assertThatThrownBy(() -> TlsMaterial.load(files("node7.pem", "node7-key.pem", "ca.pem"), 7,
        Instant.now())).hasMessageContaining("expired at 2020-01-02");
    assertThatThrownBy(() -> TlsMaterial.load(files("other/node1.pem", "other/node1-key.pem",
        "ca.pem"), 1, Instant.now())).hasMessageContaining("is not signed by a CA in");
    assertThatThrownBy(() -> TlsMaterial.load(files("node1.pem", "node1-key.pem",
        "missing.pem"), 1, Instant.now())).hasMessageContaining("cannot read tls.caFile");
    Path pkcs1 = dir.resolve("pkcs1-key.pem");
    Files.writeString(pkcs1, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
    assertThatThrownBy(() -> TlsMaterial.load(files("node1.pem", "pkcs1-key.pem", "ca.pem"), 1,
        Instant.now())).hasMessageContaining("openssl pkcs8 -topk8");
    assertThatThrownBy(() -> TlsMaterial.load(files("node1-key.pem", "node1-key.pem",
        "ca.pem"), 1, Instant.now())).hasMessageContaining("holds no PEM certificate");
  }

  @Test
  void aPeerIsTakenOnlyWithTheCertificateOfTheMemberDialled() throws Exception {
    TlsMaterial node1 = TlsMaterial.load(files("node1.pem", "node1-key.pem", "ca.pem"), 1,
        Instant.now());
    java.security.cert.X509Certificate[] member2 = {TlsMaterial.load(
        files("node2.pem", "node2-key.pem", "ca.pem"), 2, Instant.now()).certificate()};
    java.security.cert.X509Certificate[] gateway = {TlsMaterial.load(
        files("gateway.pem", "gateway-key.pem", "ca.pem"), 0, Instant.now()).certificate()};
    new PeerTrust(node1.caTrust(), 2).checkServerTrusted(member2, "ECDHE_ECDSA");
    assertThatThrownBy(() -> new PeerTrust(node1.caTrust(), 3)
        .checkServerTrusted(member2, "ECDHE_ECDSA"))
        .hasMessageContaining("names member 2, but member 3 was dialled");
    // on the Raft port: any member's certificate, and no other
    new PeerTrust(node1.caTrust(), 0).checkClientTrusted(member2, "ECDHE_ECDSA");
    assertThatThrownBy(() -> new PeerTrust(node1.caTrust(), 0)
        .checkClientTrusted(gateway, "ECDHE_ECDSA")).hasMessageContaining("names no member");
  }

  @Test
  void aCertificateIsCheckedAtTheTimeGiven() {
    assertThatThrownBy(() -> TlsMaterial.load(files("node1.pem", "node1-key.pem", "ca.pem"), 1,
        Instant.parse("2001-01-01T00:00:00Z"))).hasMessageContaining("check this machine's clock");
  }
}
