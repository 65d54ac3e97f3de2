package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.OpenSslClient;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TempDirs;
import dev.l4mux.testsupport.Teardown;
import dev.l4mux.testsupport.TestCerts;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tls.mode: reencrypt}: l4mux terminates the client's TLS and opens its own to the backend,
 * verifying the backend's chain against {@code upstream.ca} and its name against the SNI sent.
 * Backends: a Vert.x HTTPS server with ALPN (h2 and http/1.1, answering with what it negotiated),
 * {@code openssl s_server} requiring l4mux's client certificate, and an {@code openssl s_server}
 * whose self-signed certificate no configured CA vouches for (refused and counted; accepted only
 * with {@code verify: false, insecure: true}).
 */
class TlsReencryptionIT {

  // Generous: the first handshakes of a fresh JVM on a loaded 2-core machine took up to 20 s.
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static Path dir;
  private static Vertx vertx;
  private static HttpServer https;
  private static ExternalProcess mutualServer;
  private static ExternalProcess selfSignedServer;
  private static L4muxTestNode node;
  private static ClosedConnections closed;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    dir = TempDirs.create("l4mux-reencrypt-it");
    TestCerts.CertAndKey front = TestCerts.leaf("front.test", "mutual.test", "wrong-ca.test", "insecure.test");
    TestCerts.CertAndKey backendCert = TestCerts.leaf("backend.test");
    TestCerts.CertAndKey l4muxClient = TestCerts.leaf("l4mux-client.test");
    ExternalProcess.Result selfSigned = ExternalProcess.run(List.of("openssl", "req", "-x509", "-newkey", "ec",
        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=backend.test",
        "-addext", "subjectAltName=DNS:backend.test", "-keyout", dir.resolve("self.key").toString(),
        "-out", dir.resolve("self.pem").toString()), new byte[0], TIMEOUT);
    assertEquals(0, selfSigned.exitCode(), selfSigned.stderr());

    vertx = Vertx.vertx();
    https = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setUseAlpn(true).setSni(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(backendCert.certPem().toString()).setKeyPath(backendCert.keyPem().toString())))
        .requestHandler(request -> request.response().end("backend " + request.version() + " sni=" + request.connection().indicatedServerName()))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    int mutualPort = Ports.freePort();
    mutualServer = sServer(mutualPort, backendCert.certPem(), backendCert.keyPem(), "-Verify", "1", "-CAfile", TestCerts.ca().certPem().toString());
    int selfSignedPort = Ports.freePort();
    selfSignedServer = sServer(selfSignedPort, dir.resolve("self.pem"), dir.resolve("self.key"));
    Ports.awaitListening(mutualPort, TIMEOUT);
    Ports.awaitListening(selfSignedPort, TIMEOUT);

    String ca = TestCerts.ca().certPem().toString();
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - name: edge
            bind: ["127.0.0.1:0"]
        routes:
          - name: https
            match: { sni: ["front.test"] }
            tls:
              mode: reencrypt
              cert: "%1$s"
              key: "%2$s"
              alpn: [h2, http/1.1]
              upstream: { sni: backend.test, ca: "%3$s" }
            backends: [ { address: "127.0.0.1:%4$d" } ]
          - name: mutual
            match: { sni: ["mutual.test"] }
            tls:
              mode: reencrypt
              cert: "%1$s"
              key: "%2$s"
              upstream: { sni: backend.test, ca: "%3$s", cert: "%5$s", key: "%6$s" }
            backends: [ { address: "127.0.0.1:%7$d" } ]
          - name: wrong-ca
            match: { sni: ["wrong-ca.test"] }
            tls: { mode: reencrypt, cert: "%1$s", key: "%2$s", upstream: { sni: backend.test, ca: "%3$s" } }
            backends: [ { address: "127.0.0.1:%8$d" } ]
          - name: insecure
            match: { sni: ["insecure.test"] }
            tls: { mode: reencrypt, cert: "%1$s", key: "%2$s", upstream: { sni: backend.test, verify: false, insecure: true } }
            backends: [ { address: "127.0.0.1:%8$d" } ]
        """.formatted(front.certPem(), front.keyPem(), ca, https.actualPort(), l4muxClient.certPem(), l4muxClient.keyPem(),
        mutualPort, selfSignedPort));
    port = node.port("edge");
    closed = new ClosedConnections(node.vertx());
  }

  @AfterAll
  static void stop() throws Exception {
    Teardown.closeAll(closed, node, mutualServer, selfSignedServer, Teardown.vertx(vertx), Teardown.dir(dir));
  }

  @Test
  void theAlpnNegotiatedWithTheClientIsTheOneOfferedToTheBackend() {
    assertEquals("backend HTTP_2 sni=backend.test", curl("--http2", "front.test"));
    assertEquals("backend HTTP_1_1 sni=backend.test", curl("--http1.1", "front.test"));
  }

  @Test
  void tls12FromTheClientIsReencryptedToo() {
    assertEquals("backend HTTP_1_1 sni=backend.test", curl("--tlsv1.2", "front.test", "--tls-max", "1.2", "--http1.1"));
  }

  @Test
  void aBackendThatRequiresAClientCertificateGetsL4muxs() throws Exception {
    ExternalProcess.Result r = OpenSslClient.exchange(port, "mutual.test", "hello\n", "olleh", TIMEOUT);
    assertTrue(r.stdout().contains("olleh"), r.stdout() + r.stderr());
    ConnectionClosed c = closed.await(x -> "mutual".equals(x.route()), TIMEOUT);
    assertEquals("reencrypt", c.tls().mode());
  }

  @Test
  void aBackendWhoseChainNoConfiguredCaVouchesForIsRefusedAndCounted() throws Exception {
    ExternalProcess.Result r = OpenSslClient.exchange(port, "wrong-ca.test", "hello\n", "olleh", TIMEOUT);
    assertTrue(!r.stdout().contains("olleh"), r.stdout());
    ConnectionClosed c = closed.await(x -> "wrong-ca".equals(x.route()), TIMEOUT);
    assertEquals("backend_unavailable", c.closeReason());
    assertEquals(null, c.backend());
    String metrics = node.admin("/metrics").body();
    assertTrue(MetricsText.sum(metrics, "l4mux_tls_handshakes_total", "route=\"wrong-ca\"", "result=\"backend_failed\"") >= 1, metrics);
    assertTrue(MetricsText.sum(metrics, "l4mux_connections_total", "route=\"wrong-ca\"", "outcome=\"failed\"") >= 1, metrics);
  }

  @Test
  void verificationIsOffOnlyWhereTheConfigurationSaysInsecure() {
    ExternalProcess.Result r = OpenSslClient.exchange(port, "insecure.test", "hello\n", "olleh", TIMEOUT);
    assertTrue(r.stdout().contains("olleh"), r.stdout() + r.stderr());
  }

  private static String curl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--max-time", "20", "--cacert", TestCerts.ca().certPem().toString(),
        "--resolve", "front.test:" + port + ":127.0.0.1"));
    String name = null;
    for (String arg : args) {
      if (arg.endsWith(".test")) {
        name = arg;
      } else {
        cmd.add(arg);
      }
    }
    cmd.add("https://" + name + ":" + port + "/");
    ExternalProcess.Result r = ExternalProcess.run(cmd, new byte[0], TIMEOUT);
    assertEquals(0, r.exitCode(), r.stderr());
    return r.stdout();
  }

  private static ExternalProcess sServer(int port, Path cert, Path key, String... extra) {
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert", cert.toString(),
        "-key", key.toString(), "-rev", "-quiet"));
    cmd.addAll(List.of(extra));
    return ExternalProcess.start(cmd);
  }
}
