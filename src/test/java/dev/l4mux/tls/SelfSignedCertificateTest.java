package dev.l4mux.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.L4muxConfig;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Certificates minted at start for {@code cert: builtin:self-signed} and {@code builtin:tls}. */
class SelfSignedCertificateTest {

  @Test
  void mintsAnEcdsaServerCertificateForTheNamesItsKeySigned() throws Exception {
    PemFiles.CertifiedKey minted = SelfSignedCertificate.mint(List.of("localhost", "*.app.localhost"));
    X509Certificate leaf = minted.leaf();
    assertEquals(List.of("localhost", "*.app.localhost"), ServedCertificate.dnsNames(leaf));
    assertEquals(leaf.getSubjectX500Principal(), leaf.getIssuerX500Principal());
    leaf.verify(leaf.getPublicKey()); // self-signed: its own key signed it
    assertTrue(PemFiles.belongTogether(minted.key(), leaf.getPublicKey()));
    assertEquals("EC", minted.key().getAlgorithm());
    assertEquals(-1, leaf.getBasicConstraints()); // not a CA
    assertTrue(leaf.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1")); // serverAuth
    leaf.checkValidity();
    assertTrue(leaf.getNotAfter().toInstant().isAfter(Instant.now().plus(SelfSignedCertificate.VALIDITY).minus(Duration.ofMinutes(5))));
  }

  @Test
  void refusesWhatIsNotADnsName() {
    assertThrows(IllegalArgumentException.class, () -> SelfSignedCertificate.mint(List.of("bad name")));
    assertFalse(SelfSignedCertificate.isDnsName("a..b"));
    assertFalse(SelfSignedCertificate.isDnsName("-a.b"));
    assertTrue(SelfSignedCertificate.isDnsName("*.app.localhost"));
  }

  @Test
  void aSelfSignedRouteServesLocalhostAndItsNamesAndKeepsItsCertificateAcrossLoads() {
    L4muxConfig config = ConfigParser.parse(ConfigFiles.parseText("""
        routes:
          - name: secure
            match: {protocol: tls, sni: [secure.localhost, "*.secure.localhost", "~^x[0-9]+$"]}
            tls: {mode: terminate, cert: "builtin:self-signed"}
            backends: [{address: "builtin:http"}]
        """));
    CertificateStore.Snapshot first = CertificateStore.load(config);
    CertificateStore.Snapshot second = CertificateStore.load(config);
    ServedCertificate served = first.served().get(0);
    assertEquals(List.of("localhost", "secure.localhost", "*.secure.localhost"), served.names());
    assertEquals(served.names(), ServedCertificate.dnsNames(served.leaf()));
    assertSame(served.leaf(), second.served().get(0).leaf()); // a reload serves the same certificate
    assertEquals("self-signed", CertificatesView.of(first, route -> null).getJsonArray("certificates").getJsonObject(0).getString("source"));
    assertEquals("", CertificateWatcher.fingerprint(config.routes().get(0))); // no file to watch
  }
}
