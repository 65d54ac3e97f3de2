package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.OpenSslClient;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TempDirs;
import dev.l4mux.testsupport.Teardown;
import dev.l4mux.testsupport.TestCerts;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * mTLS ({@code clientAuth} with {@code clientCa}) with {@code openssl s_client}: {@code require}
 * accepts a certificate from the CA and refuses none or a foreign one with an alert, counted as
 * {@code client_cert_refused}; {@code request} accepts both; the verified subject reaches the
 * access log.
 */
class TlsClientAuthIT {

  // Generous: the first handshakes of a fresh JVM on a loaded 2-core machine took up to 20 s.
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static Path dir;
  private static Vertx vertx;
  private static TaggedBackend echo;
  private static L4muxTestNode node;
  private static ClosedConnections closed;
  private static int port;
  private static TestCerts.CertAndKey alice;
  private static TestCerts.CertAndKey foreign;

  @BeforeAll
  static void start() throws Exception {
    dir = TempDirs.create("l4mux-mtls-it");
    TestCerts.CertAndKey server = TestCerts.leaf("require.test", "request.test");
    alice = TestCerts.leaf("alice.client");
    foreign = new TestCerts.CertAndKey(dir.resolve("foreign.pem"), dir.resolve("foreign.key"));
    ExternalProcess.Result made = ExternalProcess.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=mallory.client",
        "-keyout", foreign.keyPem().toString(), "-out", foreign.certPem().toString()), new byte[0], TIMEOUT);
    assertEquals(0, made.exitCode(), made.stderr());
    vertx = Vertx.vertx();
    echo = TaggedBackends.tcpGreeting(vertx, "echo").await(10, TimeUnit.SECONDS);
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - name: edge
            bind: ["127.0.0.1:0"]
        routes:
          - name: require
            match: { sni: ["require.test"] }
            tls: { mode: terminate, cert: "%1$s", key: "%2$s", clientAuth: require, clientCa: "%3$s" }
            backends: [ { address: "127.0.0.1:%4$d" } ]
          - name: request
            match: { sni: ["request.test"] }
            tls: { mode: terminate, cert: "%1$s", key: "%2$s", clientAuth: request, clientCa: "%3$s" }
            backends: [ { address: "127.0.0.1:%4$d" } ]
        """.formatted(server.certPem(), server.keyPem(), TestCerts.ca().certPem(), echo.port()));
    port = node.port("edge");
    closed = new ClosedConnections(node.vertx());
  }

  @AfterAll
  static void stop() throws Exception {
    Teardown.closeAll(closed, node, Teardown.vertx(vertx), Teardown.dir(dir));
  }

  @Test
  void requireAcceptsACertificateFromTheClientCaAndLogsItsSubject() throws Exception {
    ExternalProcess.Result r = exchange("require.test", alice, "-tls1_3");
    assertTrue(r.stdout().contains("echo\nhello"), r.stdout() + r.stderr());
    ConnectionClosed c = closed.await(x -> "require".equals(x.route()) && x.tls() != null, TIMEOUT);
    assertEquals("CN=alice.client", c.tls().clientCertSubject());
    assertTrue(c.toJsonLine().contains("\"clientCertSubject\":\"CN=alice.client\""), c.toJsonLine());
  }

  @Test
  void requireRefusesAClientWithoutACertificateWithAnAlert() throws Exception {
    for (String version : List.of("-tls1_3", "-tls1_2")) {
      double before = refused();
      ExternalProcess.Result r = exchange("require.test", null, version);
      assertFalse(r.stdout().contains("echo"), r.stdout());
      Optional<OpenSslClient.TlsAlert> alert = OpenSslClient.alertIn(r.stderr());
      // BoringSSL: certificate_required (116, RFC 8446 4.4.2.4) in TLS 1.3, handshake_failure (40,
      // RFC 5246 7.4.6) in TLS 1.2; the JDK's engine: bad_certificate (42) in both
      assertTrue(alert.isPresent() && List.of(116, 40, 42).contains(alert.get().number()), version + ": " + r.stderr());
      awaitRefused(before + 1);
    }
  }

  @Test
  void requireRefusesACertificateFromAnotherCaWithAnAlert() throws Exception {
    double before = refused();
    ExternalProcess.Result r = exchange("require.test", foreign, "-tls1_3");
    assertFalse(r.stdout().contains("echo"), r.stdout());
    Optional<OpenSslClient.TlsAlert> alert = OpenSslClient.alertIn(r.stderr());
    // unknown_ca (48), bad_certificate (42) or certificate_unknown (46): the engines word it differently
    assertTrue(alert.isPresent() && List.of(48, 42, 46).contains(alert.get().number()), r.stderr());
    awaitRefused(before + 1);
    ConnectionClosed c = closed.await(x -> "require".equals(x.route()) && "tls_client_cert".equals(x.closeReason()), TIMEOUT);
    assertEquals(null, c.backend());
  }

  @Test
  void requestAcceptsClientsWithAndWithoutACertificate() throws Exception {
    assertTrue(exchange("request.test", null, "-tls1_3").stdout().contains("echo\nhello"));
    ConnectionClosed without = closed.await(x -> "request".equals(x.route()) && x.tls() != null && x.tls().clientCertSubject() == null, TIMEOUT);
    assertEquals("terminate", without.tls().mode());
    assertTrue(exchange("request.test", alice, "-tls1_2").stdout().contains("echo\nhello"));
    closed.await(x -> "request".equals(x.route()) && x.tls() != null && "CN=alice.client".equals(x.tls().clientCertSubject()), TIMEOUT);
  }

  private static ExternalProcess.Result exchange(String serverName, TestCerts.CertAndKey clientCert, String version) {
    return OpenSslClient.exchangeAs(port, serverName, List.of(), version, clientCert, "hello\n", "hello", Duration.ofSeconds(10));
  }

  private static double refused() throws Exception {
    return MetricsText.sum(node.admin("/metrics").body(), "l4mux_tls_handshakes_total", "route=\"require\"", "result=\"client_cert_refused\"");
  }

  private static void awaitRefused(double atLeast) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (refused() < atLeast) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("client_cert_refused stayed below " + atLeast + "\n" + node.admin("/metrics").body());
      }
      Thread.sleep(20);
    }
  }
}
