package dev.l4mux.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code tls} section of a route: what terminate reads, and each mistake at its path. */
class TlsParserTest {

  private static final String BACKEND = "backends: [{address: '127.0.0.1:1'}]";

  private static List<String> errors(String tls) {
    return ConfigParser.validate(ConfigFiles.parseText("routes: [{name: r, tls: " + tls + ", " + BACKEND + "}]"))
        .stream().map(ConfigError::toString).toList();
  }

  private static TlsConfig tls(String tls) {
    JsonObject json = ConfigFiles.parseText("routes: [{name: r, tls: " + tls + ", " + BACKEND + "}]");
    return ConfigParser.parse(json).routes().get(0).tls();
  }

  @Test
  void readsATerminatingRoute() {
    TlsConfig t = tls("{mode: terminate, certs: [{cert: a.pem, key: a.key}, {cert: b.pem, key: b.key}],"
        + " alpn: [h2, http/1.1], minVersion: TLSv1.3, ciphers: [TLS_AES_256_GCM_SHA384]}");
    assertEquals(TlsConfig.Mode.TERMINATE, t.mode());
    assertEquals(List.of(new TlsConfig.CertificateFiles("a.pem", "a.key"), new TlsConfig.CertificateFiles("b.pem", "b.key")), t.certificates());
    assertEquals(List.of("h2", "http/1.1"), t.alpn());
    assertEquals("TLSv1.3", t.minVersion());
    assertEquals(List.of("TLS_AES_256_GCM_SHA384"), t.ciphers());
    assertEquals(TlsConfig.ClientAuth.NONE, t.clientAuth());
  }

  @Test
  void defaultsAreTls12AndTheAeadSuitesWithoutAlpn() {
    TlsConfig t = tls("{mode: terminate, cert: a.pem, key: a.key}");
    assertEquals(List.of(new TlsConfig.CertificateFiles("a.pem", "a.key")), t.certificates());
    assertEquals("TLSv1.2", t.minVersion());
    assertEquals(List.of(), t.ciphers());
    assertEquals(List.of(), t.alpn());
    assertEquals(TlsConfig.PASSTHROUGH, tls("{mode: passthrough}"));
  }

  @Test
  void refusesWeakOrUnknownCiphersAndVersions() {
    assertEquals(List.of("routes[0].tls.ciphers[0]: 'TLS_RSA_WITH_AES_128_CBC_SHA' is not an AEAD suite with forward secrecy that l4mux offers"
            + " (one of: " + String.join(", ", TlsConfig.AEAD_SUITES) + ")",
        "routes[0].tls.minVersion: expected one of TLSv1.2, TLSv1.3, got 'TLSv1.1'"),
        errors("{mode: terminate, cert: a, key: b, ciphers: [TLS_RSA_WITH_AES_128_CBC_SHA], minVersion: TLSv1.1}"));
  }

  @Test
  void readsAcmeWithTheRouteExactSniNamesAsDefaultDomains() {
    JsonObject json = ConfigFiles.parseText("routes: [{name: r, match: {sni: [Shop.Example.com, '*.example.org', shop.example.com]},"
        + " tls: {mode: terminate, acme: {directory: 'https://acme.test/dir'}}, " + BACKEND + "}]");
    AcmeConfig acme = ConfigParser.parse(json).routes().get(0).tls().acme();
    assertEquals(new AcmeConfig("https://acme.test/dir", null, List.of("shop.example.com"), AcmeConfig.Challenge.TLS_ALPN_01,
        AcmeConfig.DEFAULT_STORAGE, null), acme);
    AcmeConfig given = tls("{mode: terminate, acme: {directory: 'https://acme.test/dir', email: ops@example.com,"
        + " domains: [A.example.com, b.example.com.], challenge: http-01, storage: /var/lib/l4mux/acme, trust: ca.pem}}").acme();
    assertEquals(new AcmeConfig("https://acme.test/dir", "ops@example.com", List.of("a.example.com", "b.example.com"),
        AcmeConfig.Challenge.HTTP_01, "/var/lib/l4mux/acme", "ca.pem"), given);
    assertEquals(null, tls("{mode: terminate, cert: a.pem, key: a.key}").acme());
  }

  @Test
  void refusesAcmeMistakesAtTheirPaths() {
    assertEquals(List.of("routes[0].tls.acme: domains required: the route's match.sni has no exact name to default to"),
        errors("{mode: terminate, acme: {directory: 'https://acme.test/dir'}}"));
    assertEquals(List.of("routes[0].tls.acme.domains[0]: wildcard '*.example.com' needs the dns-01 challenge, which l4mux does not answer"
            + " (tls-alpn-01 cannot validate it)"),
        errors("{mode: terminate, acme: {directory: 'https://acme.test/dir', domains: ['*.example.com']}}"));
    assertEquals(List.of("routes[0].tls.acme.directory: 'ftp://acme.test/dir' is not an https:// URL (RFC 8555 6.1: ACME runs over HTTPS)"),
        errors("{mode: terminate, acme: {directory: 'ftp://acme.test/dir', domains: [a.test]}}"));
    assertEquals(List.of("routes[0].tls.acme: expected a map, got a string"), errors("{mode: terminate, acme: auto}"));
  }

  @Test
  void namesEachMistakeAtItsPath() {
    assertEquals(List.of("routes[0].tls.mode: mode terminate needs cert and key, certs, acme, or cert: builtin:self-signed"), errors("{mode: terminate}"));
    assertEquals(List.of("routes[0].tls.key: required with cert"), errors("{mode: terminate, cert: a}"));
    assertEquals(List.of("routes[0].tls.certs: either cert and key, or certs, not both"),
        errors("{mode: terminate, cert: a, key: b, certs: [{cert: c, key: d}]}"));
    assertEquals(List.of("routes[0].tls.certs[0].key: required"), errors("{mode: terminate, certs: [{cert: c}]}"));
    assertEquals(List.of("routes[0].tls.alpn: only used with mode terminate or reencrypt"), errors("{mode: passthrough, alpn: [h2]}"));
    assertEquals(List.of("routes[0].tls.clientCa: only used with clientAuth request or require"),
        errors("{mode: terminate, cert: a, key: b, clientCa: ca.pem}"));
    assertEquals(List.of("routes[0].tls.upstream: only used with mode reencrypt"),
        errors("{mode: terminate, cert: a, key: b, upstream: {sni: x.internal}}"));
  }

  @Test
  void reencryptVerifiesUnlessExplicitlyInsecure() {
    TlsConfig t = tls("{mode: reencrypt, cert: a, key: b}");
    assertEquals(new TlsConfig.Upstream(null, null, true, null), t.upstream());
    TlsConfig full = tls("{mode: reencrypt, cert: a, key: b, upstream: {sni: B.Internal, ca: ca.pem, cert: c.pem, key: c.key}}");
    assertEquals(new TlsConfig.Upstream("b.internal", "ca.pem", true, new TlsConfig.CertificateFiles("c.pem", "c.key")), full.upstream());
    assertEquals(false, tls("{mode: reencrypt, cert: a, key: b, upstream: {verify: false, insecure: true}}").upstream().verify());
    assertEquals(List.of("routes[0].tls.upstream.verify: false only together with insecure: true (the backend's identity would not be checked)"),
        errors("{mode: reencrypt, cert: a, key: b, upstream: {verify: false}}"));
    assertEquals(List.of("routes[0].tls.upstream.insecure: only used with verify: false"),
        errors("{mode: reencrypt, cert: a, key: b, upstream: {insecure: true}}"));
    assertEquals(List.of("routes[0].tls.upstream.sni: a server name, not a pattern: '*.internal'"),
        errors("{mode: reencrypt, cert: a, key: b, upstream: {sni: '*.internal'}}"));
  }

  @Test
  void clientAuthNeedsAClientCa() {
    assertEquals(TlsConfig.ClientAuth.REQUIRE, tls("{mode: terminate, cert: a, key: b, clientAuth: require, clientCa: ca.pem}").clientAuth());
    assertEquals("ca.pem", tls("{mode: terminate, cert: a, key: b, clientAuth: request, clientCa: ca.pem}").clientCa());
    assertEquals(List.of("routes[0].tls.clientCa: required with clientAuth require"), errors("{mode: terminate, cert: a, key: b, clientAuth: require}"));
  }
}
