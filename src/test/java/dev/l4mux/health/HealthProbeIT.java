package dev.l4mux.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.HealthCheck;
import dev.l4mux.config.HostPort;
import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.SshdFixture;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TestCerts;
import dev.l4mux.testsupport.UnreachableBackend;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each kind of active check against a real peer on loopback, passing and failing. */
class HealthProbeIT {

  private static Vertx vertx;
  private static HealthProbe probe;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    probe = new HealthProbe(vertx, vertx.createNetClient(new NetClientOptions()));
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static HealthCheck check(HealthCheck.Kind kind, String sni, String send, String expect, String path, int low, int high) {
    // Generous: the JVM's first TLS context takes seconds on a loaded two-core machine.
    return new HealthCheck(kind, Duration.ofSeconds(20), Duration.ofSeconds(15), 2, 3, sni, send, expect, path, null, low, high);
  }

  private static HealthCheck tcp() {
    return check(HealthCheck.Kind.TCP, null, "", null, "/", 200, 399);
  }

  private static HealthCheck expect(String send, String expect) {
    return check(HealthCheck.Kind.SEND_EXPECT, null, send, expect, "/", 200, 399);
  }

  private static HealthCheck http(String sni, String path, int low, int high) {
    return check(HealthCheck.Kind.HTTP, sni, "", null, path, low, high);
  }

  /** Runs one check on an event loop, as the health verticle does. */
  private static HealthProbe.Outcome run(int port, HealthCheck check) throws Exception {
    io.vertx.core.Promise<HealthProbe.Outcome> result = io.vertx.core.Promise.promise();
    vertx.runOnContext(v -> probe.run(new HostPort("127.0.0.1", port), check).onComplete(result));
    return result.future().await(60, TimeUnit.SECONDS);
  }

  @Test
  void tcpPassesOnAListeningPortAndFailsOnAClosedOrHangingOne() throws Exception {
    TaggedBackend echo = TaggedBackends.tcpEcho(vertx, "echo").await(10, TimeUnit.SECONDS);
    assertEquals(new HealthProbe.Outcome(true, "connected"), run(echo.port(), tcp()));
    HealthProbe.Outcome refused = run(Ports.freePort(), tcp());
    assertFalse(refused.success());
    assertTrue(refused.reason().startsWith("connect failed: "), refused.reason());
    try (UnreachableBackend hanging = UnreachableBackend.start()) {
      HealthCheck quick = new HealthCheck(HealthCheck.Kind.TCP, Duration.ofSeconds(1), Duration.ofMillis(300), 2, 3, null, "", null, "/", null, 200, 399);
      HealthProbe.Outcome timedOut = run(hanging.port(), quick);
      assertFalse(timedOut.success());
      assertTrue(timedOut.reason().contains("timed out"), timedOut.reason());
    }
    echo.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void tlsCompletesAHandshakeWithOpensslAndSendsTheSni() throws Exception {
    TestCerts.CertAndKey cert = TestCerts.leaf("a.test");
    int port = Ports.freePort();
    List<String> server = List.of(
        "openssl", "s_server", "-accept", "127.0.0.1:" + port, "-quiet",
        "-cert", cert.certPem().toString(), "-key", cert.keyPem().toString(),
        "-cert2", cert.certPem().toString(), "-key2", cert.keyPem().toString(),
        "-servername", "a.test", "-servername_fatal");
    try (ExternalProcess s = ExternalProcess.start(server, new byte[0], Duration.ofMinutes(1))) {
      Ports.awaitListening(port, Duration.ofSeconds(10));
      HealthCheck tls = check(HealthCheck.Kind.TLS, "a.test", "", null, "/", 200, 399);
      assertEquals(new HealthProbe.Outcome(true, "handshake completed"), run(port, tls), s.stderr());
      HealthCheck otherName = check(HealthCheck.Kind.TLS, "other.test", "", null, "/", 200, 399);
      assertFalse(run(port, otherName).success(), "s_server refuses other names with a fatal alert");
    }
    TaggedBackend plain = TaggedBackends.tcpEcho(vertx, "plain").await(10, TimeUnit.SECONDS);
    assertFalse(run(plain.port(), check(HealthCheck.Kind.TLS, "a.test", "", null, "/", 200, 399)).success(), "plain TCP is no TLS");
    plain.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void sendExpectMatchesABannerLiterallyOrByRegex() throws Exception {
    try (SshdFixture sshd = SshdFixture.start()) {
      assertTrue(run(sshd.port(), expect("", "SSH-2.0-")).success());
      assertTrue(run(sshd.port(), expect("", "~^SSH-2\\.0-OpenSSH")).success());
      HealthProbe.Outcome wrong = run(sshd.port(), expect("", "SSH-1."));
      assertFalse(wrong.success());
      assertTrue(wrong.reason().startsWith("unexpected reply: 'SSH-2"), wrong.reason());
    }
    TaggedBackend echo = TaggedBackends.tcpEcho(vertx, "echo").await(10, TimeUnit.SECONDS);
    assertTrue(run(echo.port(), expect("PING\r\n", "~^PI+NG")).success());
    HealthCheck silent = new HealthCheck(HealthCheck.Kind.SEND_EXPECT, Duration.ofSeconds(1), Duration.ofMillis(300), 2, 3, null, "", "+PONG", "/", null, 200, 399);
    assertEquals(new HealthProbe.Outcome(false, "timed out after 300ms"), run(echo.port(), silent));
    echo.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void httpAcceptsAStatusInItsRangeOnly() throws Exception {
    HttpServer server = vertx.createHttpServer()
        .requestHandler(r -> r.response().setStatusCode(r.path().equals("/healthz") ? 200 : 500).end())
        .listen(0, "127.0.0.1").await(60, TimeUnit.SECONDS);
    int port = server.actualPort();
    assertEquals(new HealthProbe.Outcome(true, "status 200"), run(port, http(null, "/healthz", 200, 399)));
    assertEquals(new HealthProbe.Outcome(false, "status 500"), run(port, http(null, "/broken", 200, 399)));
    assertEquals(new HealthProbe.Outcome(true, "status 500"), run(port, http(null, "/broken", 500, 599)));
    server.close().await(10, TimeUnit.SECONDS);
    TaggedBackend echo = TaggedBackends.tcpEcho(vertx, "echo").await(10, TimeUnit.SECONDS);
    HealthProbe.Outcome notHttp = run(echo.port(), http(null, "/", 200, 399));
    assertFalse(notHttp.success());
    assertTrue(notHttp.reason().startsWith("not an HTTP status line: 'GET / HTTP/1.1'"), notHttp.reason());
    echo.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void httpGoesOverTlsWhenAnSniIsGiven() throws Exception {
    TestCerts.CertAndKey cert = TestCerts.leaf("web.test");
    HttpServerOptions options = new HttpServerOptions().setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.certPem().toString()).setKeyPath(cert.keyPem().toString()));
    HttpServer server = vertx.createHttpServer(options)
        .requestHandler(r -> r.response().setStatusCode(204).end())
        .listen(0, "127.0.0.1").await(60, TimeUnit.SECONDS);
    assertEquals(new HealthProbe.Outcome(true, "status 204"), run(server.actualPort(), http("web.test", "/", 200, 299)));
    server.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void readsStatusLines() {
    assertEquals(200, HealthProbe.statusOf("HTTP/1.1 200 OK"));
    assertEquals(503, HealthProbe.statusOf("HTTP/1.0 503"));
    assertEquals(-1, HealthProbe.statusOf("HTTP/2 200"));
    assertEquals(-1, HealthProbe.statusOf("HTTP/1.1 20x OK"));
    assertEquals(-1, HealthProbe.statusOf("HTTP/1.1 2000"));
    assertEquals(-1, HealthProbe.statusOf("SSH-2.0-x"));
  }
}
