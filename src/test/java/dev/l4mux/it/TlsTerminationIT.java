package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.tls.TlsEngine;
import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.OpenSslClient;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TempDirs;
import dev.l4mux.testsupport.Teardown;
import dev.l4mux.testsupport.TestCerts;
import dev.l4mux.testsupport.TlsKeyFiles;
import dev.l4mux.testsupport.TlsKeyFiles.KeyType;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tls.mode: terminate} with real clients (curl, openssl s_client, the JDK's SSLSocket):
 * the certificate chosen by SNI from the routes' SANs, ALPN negotiated and passed on (h2 reaches an
 * h2c backend), TLS 1.2 and 1.3, RSA (PKCS#1), ECDSA and Ed25519 keys, refused handshakes counted,
 * and the session's facts in the access log and the admin API. Runs on the engine the JVM chose
 * (OpenSSL here; the failsafe execution {@code jdk-tls-engine} runs it again on the JDK's).
 */
class TlsTerminationIT {

  // Generous: the first handshakes of a fresh JVM on a loaded 2-core machine took up to 20 s.
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static Path dir;
  private static Vertx backends;
  private static TaggedBackend web;
  private static TaggedBackend echo;
  private static L4muxTestNode node;
  private static ClosedConnections closed;
  private static int port;
  private static TestCerts.CertAndKey rsa;

  @BeforeAll
  static void start() throws Exception {
    dir = TempDirs.create("l4mux-tls-it");
    TestCerts.CertAndKey a = TestCerts.leaf("a.test");
    rsa = TlsKeyFiles.leaf(dir, "rsa", KeyType.RSA_PKCS1, "b.test", "*.wild.test");
    TestCerts.CertAndKey ed = TlsKeyFiles.leaf(dir, "ed", KeyType.ED25519_PKCS8, "ed.test");
    TestCerts.CertAndKey strict = TlsKeyFiles.leaf(dir, "strict", KeyType.EC_SEC1, "strict.test");
    backends = Vertx.vertx();
    web = TaggedBackends.http(backends, "web").await(10, TimeUnit.SECONDS);
    echo = TaggedBackends.tcpGreeting(backends, "echo").await(10, TimeUnit.SECONDS);
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - name: edge
            bind: ["127.0.0.1:0"]
        routes:
          - name: web
            match: { sni: ["a.test"] }
            tls: { mode: terminate, cert: "%s", key: "%s", alpn: [h2, http/1.1] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: echo
            match: { sni: ["b.test", "*.wild.test", "ed.test"] }
            tls:
              mode: terminate
              certs:
                - { cert: "%s", key: "%s" }
                - { cert: "%s", key: "%s" }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: strict
            match: { sni: ["strict.test"] }
            tls: { mode: terminate, cert: "%s", key: "%s", minVersion: TLSv1.3 }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(a.certPem(), a.keyPem(), web.port(), rsa.certPem(), rsa.keyPem(), ed.certPem(), ed.keyPem(), echo.port(),
        strict.certPem(), strict.keyPem(), echo.port()));
    port = node.port("edge");
    closed = new ClosedConnections(node.vertx());
  }

  @AfterAll
  static void stop() throws Exception {
    Teardown.closeAll(closed, node, Teardown.vertx(backends), Teardown.dir(dir));
  }

  @Test
  void curlNegotiatesH2AndTheH2cBackendAnswers() {
    assertEquals("web\n2", curl("--http2"));
  }

  @Test
  void curlWithHttp11GetsHttp11() {
    assertEquals("web\n1.1", curl("--http1.1"));
  }

  @Test
  void sniChoosesTheCertificateFromTheRoutesSans() {
    assertEquals("CN = a.test", handshake("a.test").peerSubject().orElseThrow());
    assertEquals("CN = b.test", handshake("b.test").peerSubject().orElseThrow());
    assertEquals("CN = b.test", handshake("x.wild.test").peerSubject().orElseThrow()); // wildcard SAN
    OpenSslClient.Handshake ed = handshake("ed.test"); // the route's second certificate, an Ed25519 key
    assertEquals("CN = ed.test", ed.peerSubject().orElseThrow());
    assertTrue(ed.verified(), ed.result().stdout());
  }

  @Test
  void tls12AndTls13WithEachKeyType() {
    for (String name : List.of("a.test", "b.test", "ed.test")) {
      for (String version : List.of("-tls1_2", "-tls1_3")) {
        ExternalProcess.Result r = sClient(name, version);
        String expected = version.equals("-tls1_2") ? "TLSv1.2" : "TLSv1.3";
        assertTrue(r.stdout().contains("New, " + expected + ", Cipher is "), name + " " + version + ":\n" + r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("Verify return code: 0 (ok)"), r.stdout());
        assertFalse(r.stdout().contains("Cipher is AES") || r.stdout().contains("-CBC-") || r.stdout().contains("SHA\n"), r.stdout());
      }
    }
  }

  @Test
  void relaysPlaintextBothWays() {
    ExternalProcess.Result r = OpenSslClient.exchange(port, "b.test", "hello through tls\n", "hello through tls", TIMEOUT);
    assertEquals("echo\nhello through tls\n", r.stdout());
  }

  @Test
  void theJdkClientMovesAMegabyteEachWayIntact() throws Exception {
    byte[] payload = new byte[1 << 20];
    new java.util.Random(7).nextBytes(payload);
    try (SSLSocket socket = jdkClient("x.wild.test", List.of())) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      Thread writer = new Thread(() -> {
        try {
          out.write(payload);
          out.flush();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      writer.start();
      byte[] greeting = in.readNBytes("echo\n".length());
      assertEquals("echo\n", new String(greeting, StandardCharsets.US_ASCII));
      byte[] back = in.readNBytes(payload.length);
      writer.join();
      assertArrayEquals(payload, back);
    }
  }

  @Test
  void aVersionBelowTheRoutesMinimumIsRefusedWithAnAlertAndCounted() throws Exception {
    double before = metric("l4mux_tls_handshakes_total", "route=\"strict\"", "result=\"failed\"");
    ExternalProcess.Result r = sClient("strict.test", "-tls1_2");
    assertTrue(r.stdout().contains("Cipher is (NONE)"), r.stdout());
    assertEquals(70, OpenSslClient.alertIn(r.stderr()).orElseThrow().number(), r.stderr()); // protocol_version, RFC 8446 6.2
    awaitMetric("l4mux_tls_handshakes_total", before + 1, "route=\"strict\"", "result=\"failed\"");
    ConnectionClosed c = closed.await(x -> "strict".equals(x.route()) && "tls_handshake".equals(x.closeReason()), TIMEOUT);
    assertEquals(null, c.backend());
    assertTrue(metric("l4mux_rejections_total", "reason=\"tls_handshake\"") >= 1);
    assertTrue(sClient("strict.test", "-tls1_3").stdout().contains("New, TLSv1.3"));
  }

  @Test
  void theAccessLogAndTheMetricsTellTheSession() throws Exception {
    assertEquals("web\n2", curl("--http2"));
    ConnectionClosed c = closed.await(x -> "web".equals(x.route()) && x.tls() != null && "h2".equals(x.tls().alpn()), TIMEOUT);
    assertEquals("terminate", c.tls().mode());
    assertEquals("TLSv1.3", c.tls().version());
    assertTrue(c.tls().cipher().startsWith("TLS_AES_") || c.tls().cipher().startsWith("TLS_CHACHA20"), c.tls().cipher());
    assertEquals(null, c.tls().clientCertSubject());
    assertEquals("a.test", c.sni());
    String line = c.toJsonLine();
    assertTrue(line.contains("\"tlsMode\":\"terminate\"") && line.contains("\"tlsVersion\":\"TLSv1.3\"") && line.contains("\"clientCertSubject\":null"), line);
    assertTrue(metric("l4mux_tls_handshakes_total", "route=\"web\"", "result=\"success\"") >= 1);
    assertTrue(metric("l4mux_tls_handshake_seconds_count", "route=\"web\"") >= 1);
    double expiry = metric("l4mux_certificate_expiry_seconds", "route=\"web\"", "name=\"a.test\"");
    assertTrue(expiry > 86_000 && expiry <= 2 * 86_400, "expiry " + expiry); // the test certificates live two days
  }

  @Test
  void theAdminApiShowsCertificatesTheEngineAndOpenSessions() throws Exception {
    JsonObject certificates = new JsonObject(node.admin("/api/certificates").body());
    JsonArray list = certificates.getJsonArray("certificates");
    assertEquals(4, list.size(), list.encodePrettily());
    JsonObject echoRsa = list.getJsonObject(1);
    assertEquals("echo", echoRsa.getString("route"));
    assertEquals(new JsonArray().add("b.test").add("*.wild.test"), echoRsa.getJsonArray("names"));
    assertEquals("file", echoRsa.getString("source"));
    assertEquals("RSA", echoRsa.getString("keyType"));
    assertEquals(TlsKeyFiles.serial(rsa.certPem()), echoRsa.getString("serial"));
    assertEquals("CN=l4mux-test-ca", echoRsa.getString("issuer"));
    JsonObject listener = new JsonObject(node.admin("/api/listeners").body()).getJsonArray("listeners").getJsonObject(0);
    assertEquals(TlsEngine.get().id(), listener.getString("tlsEngine"));
    assertEquals(System.getProperty(TlsEngine.PROPERTY, "openssl"), TlsEngine.get().id());

    try (SSLSocket socket = jdkClient("b.test", List.of())) {
      assertEquals("echo\n", new String(socket.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
      JsonObject open = null;
      for (Object o : new JsonObject(node.admin("/api/connections").body()).getJsonArray("connections")) {
        JsonObject candidate = (JsonObject) o;
        if ("echo".equals(candidate.getString("route"))) {
          open = candidate;
        }
      }
      assertTrue(open != null);
      assertEquals("terminate", open.getJsonObject("tls").getString("mode"));
      assertEquals("TLSv1.3", open.getJsonObject("tls").getString("version"));
    }
  }

  private static String curl(String httpVersion) {
    ExternalProcess.Result r = ExternalProcess.run(List.of("curl", "-s", "--max-time", "10", httpVersion,
            "--cacert", TestCerts.ca().certPem().toString(), "--resolve", "a.test:" + port + ":127.0.0.1",
            "-w", "\n%{http_version}", "https://a.test:" + port + "/"),
        new byte[0], TIMEOUT);
    assertEquals(0, r.exitCode(), r.stderr());
    return r.stdout();
  }

  private static OpenSslClient.Handshake handshake(String serverName) {
    OpenSslClient.Handshake h = OpenSslClient.handshake(port, serverName, List.of(), TIMEOUT);
    assertTrue(h.completed(), h.result().stdout() + h.result().stderr());
    return h;
  }

  private static ExternalProcess.Result sClient(String serverName, String... extra) {
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", serverName,
        "-verify_hostname", serverName, "-CAfile", TestCerts.ca().certPem().toString()));
    cmd.addAll(List.of(extra));
    return ExternalProcess.run(cmd, new byte[0], TIMEOUT);
  }

  /** The JDK's own TLS client, verifying the name against the test CA. */
  static SSLSocket jdkClient(String serverName, List<String> alpn) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = java.nio.file.Files.newInputStream(TestCerts.ca().certPem())) {
      trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout((int) TIMEOUT.toMillis());
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setServerNames(List.of(new SNIHostName(serverName)));
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    parameters.setApplicationProtocols(alpn.toArray(String[]::new));
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    return socket;
  }

  private static double metric(String name, String... labels) throws Exception {
    return MetricsText.sum(node.admin("/metrics").body(), name, labels);
  }

  private static void awaitMetric(String name, double atLeast, String... labels) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (metric(name, labels) < atLeast) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " stayed below " + atLeast);
      }
      Thread.sleep(20);
    }
  }
}
