package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.Pebble;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TempDirs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ACME against Debian's pebble with real validation on loopback: a certificate obtained by
 * TLS-ALPN-01 (answered on l4mux's TLS listener) and one by HTTP-01 (answered on its HTTP listener),
 * both served to a client that trusts only pebble's root; renewed when a third of pebble's short
 * lifetime is left (a new serial); with pebble stopped the renewal fails, the failure shows in
 * {@code /api/certificates} and the old certificate is still served; a restarted node serves the
 * stored certificate.
 */
class AcmeIT {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int LIFETIME_SECONDS = 60;

  private static Path dir;
  private static Vertx vertx;
  private static TaggedBackend echo;
  private static Pebble pebble;
  private static L4muxTestNode node;
  private static int tlsPort;
  private static int httpPort;
  private static String yaml;

  @BeforeAll
  static void start() throws Exception {
    System.setProperty("l4mux.acmeRetryMs", "1000");
    dir = TempDirs.create("l4mux-acme-it");
    vertx = Vertx.vertx();
    echo = TaggedBackends.tcpGreeting(vertx, "echo").await(10, TimeUnit.SECONDS);
    tlsPort = Ports.freePort();
    httpPort = Ports.freePort();
    pebble = Pebble.start(dir.resolve("pebble"), httpPort, tlsPort, LIFETIME_SECONDS);
    yaml = """
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - { name: tls, bind: ["127.0.0.1:%1$d"] }
          - { name: http, bind: ["127.0.0.1:%2$d"] }
        routes:
          - name: alpn-site
            listeners: [tls]
            match: { sni: [alpn.test] }
            tls:
              mode: terminate
              acme: { directory: "%3$s", email: ops@alpn.test, challenge: tls-alpn-01, storage: "%4$s", trust: "%5$s" }
            backends: [ { address: "127.0.0.1:%6$d" } ]
          - name: http-site
            listeners: [tls]
            match: { sni: [http.test] }
            tls:
              mode: terminate
              acme: { directory: "%3$s", challenge: http-01, storage: "%4$s", trust: "%5$s" }
            backends: [ { address: "127.0.0.1:%6$d" } ]
          - name: web
            listeners: [http]
            match: { protocol: http }
            backends: [ { address: "127.0.0.1:%6$d" } ]
        """.formatted(tlsPort, httpPort, pebble.directory(), dir.resolve("storage"), pebble.trust(), echo.port());
    node = L4muxTestNode.start(yaml);
  }

  @AfterAll
  static void stop() throws Exception {
    System.clearProperty("l4mux.acmeRetryMs");
    if (node != null) {
      node.close();
    }
    if (pebble != null) {
      pebble.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    TempDirs.delete(dir);
  }

  @Test
  void obtainsByBothChallengesRenewsKeepsTheOldOneOnFailureAndReusesTheStoredOne() throws Exception {
    JsonObject alpn = await("alpn-site", c -> "acme".equals(c.getString("source")) && !c.getBoolean("placeholder"));
    JsonObject http = await("http-site", c -> "acme".equals(c.getString("source")) && !c.getBoolean("placeholder"));
    assertEquals("obtained", alpn.getJsonObject("lastRenewal").getString("outcome"), alpn::encodePrettily);
    assertEquals("tls-alpn-01", alpn.getJsonObject("acme").getString("challenge"));
    assertEquals("http-01", http.getJsonObject("acme").getString("challenge"));
    assertTrue(alpn.getString("nextRenewal") != null, alpn::encodePrettily);

    // Served, and trusted by a client that knows only pebble's root (hostname checked too).
    TrustManager[] pebbleRoot = trusting(pebble.root());
    String first = serial(pebbleRoot, "alpn.test");
    assertEquals(alpn.getString("serial"), first);
    assertEquals(http.getString("serial"), serial(pebbleRoot, "http.test"));

    // Account key and certificates under storage, readable by the owner only.
    Path storage = dir.resolve("storage");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(storage)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(storage.resolve("account.key"))));
    try (var ids = Files.list(storage)) {
      List<Path> certificateDirs = ids.filter(Files::isDirectory).toList();
      assertEquals(2, certificateDirs.size(), certificateDirs::toString);
      for (Path d : certificateDirs) {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.resolve("key.pem"))));
      }
    }

    // Renewal once a third of the lifetime is left: a new certificate, a new serial.
    JsonObject renewed = await("alpn-site", c -> !c.getString("serial").equals(first));
    String second = renewed.getString("serial");
    assertEquals(second, serial(pebbleRoot, "alpn.test"));

    // Every validation's connection was closed and accounted for (on epoll an HTTP-01 answer is
    // written within the call that answers it: its connection used to stay registered).
    node.assertNoConnectionLeft(Duration.ofSeconds(10)); // a validation in flight closes within milliseconds

    // The ACME server goes away: the next renewal fails, visibly, and the certificate stays.
    pebble.stopAcme();
    String served = certificate("alpn-site").getString("serial");
    JsonObject failed = await("alpn-site", c -> c.getJsonObject("lastRenewal") != null
        && "failed".equals(c.getJsonObject("lastRenewal").getString("outcome")));
    assertTrue(failed.getJsonObject("lastRenewal").getString("error") != null, failed::encodePrettily);
    assertTrue(failed.getJsonObject("acme").getInteger("failures") >= 1, failed::encodePrettily);
    assertEquals(served, failed.getString("serial"));
    assertEquals(served, serial(new TrustManager[] {new TrustingAll()}, "alpn.test"));

    // A restarted node serves the stored certificate at once (no placeholder, no order).
    node.close();
    node = L4muxTestNode.start(yaml);
    JsonObject reused = certificate("alpn-site");
    assertFalse(reused.getBoolean("placeholder"), reused::encodePrettily);
    assertEquals("storage", reused.getJsonObject("acme").getString("obtainedBy"));
    assertEquals(served, serial(new TrustManager[] {new TrustingAll()}, "alpn.test"));
  }

  private static JsonObject certificate(String route) throws Exception {
    JsonObject all = new JsonObject(node.admin("/api/certificates").body());
    for (Object c : all.getJsonArray("certificates")) {
      JsonObject certificate = (JsonObject) c;
      if (route.equals(certificate.getString("route"))) {
        return certificate;
      }
    }
    throw new AssertionError("no certificate for " + route + ": " + all.encodePrettily());
  }

  private static JsonObject await(String route, Predicate<JsonObject> condition) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      last = certificate(route);
      if (condition.test(last)) {
        return last;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(route + " never reached the expected state: " + (last == null ? null : last.encodePrettily())
        + "\npebble: " + pebble.log());
  }

  private static String serial(TrustManager[] trust, String name) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", tlsPort)) {
      socket.setSoTimeout((int) WAIT.toMillis());
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName(name)));
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      assertEquals("echo\n", new String(socket.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
    }
  }

  private static TrustManager[] trusting(X509Certificate root) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("pebble-root", root);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    assertNotEquals(0, tmf.getTrustManagers().length);
    return tmf.getTrustManagers();
  }

  /** For reading the serial of a certificate that may be near its end (pebble is gone). */
  private static final class TrustingAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
