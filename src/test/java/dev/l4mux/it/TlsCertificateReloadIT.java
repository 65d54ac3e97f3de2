package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TempDirs;
import dev.l4mux.testsupport.Teardown;
import dev.l4mux.testsupport.TestCerts;
import dev.l4mux.testsupport.TlsKeyFiles;
import dev.l4mux.testsupport.TlsKeyFiles.KeyType;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
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
 * Certificate files replaced under a running node: a connection opened before keeps working, new
 * handshakes get the new certificate (told apart by serial number), and a broken replacement leaves
 * the last good certificate in use.
 */
class TlsCertificateReloadIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static Path dir;
  private static Path cert;
  private static Path key;
  private static Vertx vertx;
  private static TaggedBackend echo;
  private static L4muxTestNode node;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    System.setProperty("l4mux.certificateScanMs", "100");
    dir = TempDirs.create("l4mux-reload-it");
    TestCerts.CertAndKey first = TlsKeyFiles.leaf(dir.resolve("v1"), "site", KeyType.EC_SEC1, "reload.test");
    cert = dir.resolve("site.pem");
    key = dir.resolve("site.key");
    Files.copy(first.certPem(), cert);
    Files.copy(first.keyPem(), key);
    vertx = Vertx.vertx();
    echo = TaggedBackends.tcpGreeting(vertx, "echo").await(10, TimeUnit.SECONDS);
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - name: edge
            bind: ["127.0.0.1:0"]
        routes:
          - name: site
            tls: { mode: terminate, cert: "%s", key: "%s" }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(cert, key, echo.port()));
    port = node.port("edge");
  }

  @AfterAll
  static void stop() throws Exception {
    System.clearProperty("l4mux.certificateScanMs");
    Teardown.closeAll(node, Teardown.vertx(vertx), Teardown.dir(dir));
  }

  @Test
  void aReplacedCertificateServesNewHandshakesWhileOpenConnectionsGoOn() throws Exception {
    String firstSerial = TlsKeyFiles.serial(cert);
    try (SSLSocket open = connect()) {
      assertEquals(firstSerial, serialOf(open));
      assertEquals("ping", roundTrip(open, "ping"));

      TestCerts.CertAndKey second = TlsKeyFiles.leaf(dir.resolve("v2"), "site", KeyType.RSA_PKCS1, "reload.test");
      String secondSerial = TlsKeyFiles.serial(second.certPem());
      assertNotEquals(firstSerial, secondSerial);
      // As deployment tools do: each file replaced whole, one after the other (the watcher may see
      // the new certificate with the old key in between, which must not load).
      replace(second.certPem(), cert);
      replace(second.keyPem(), key);
      awaitServedSerial(secondSerial);

      assertEquals("still here", roundTrip(open, "still here")); // the session from before goes on
      assertEquals(firstSerial, serialOf(open));
      assertEquals(secondSerial, new JsonObject(node.admin("/api/certificates").body())
          .getJsonArray("certificates").getJsonObject(0).getString("serial"));

      Path garbage = dir.resolve("garbage.pem");
      Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
      replace(garbage, cert);
      Thread.sleep(1000); // ten scans
      try (SSLSocket after = connect()) {
        assertEquals(secondSerial, serialOf(after)); // the broken file is refused, the last good one kept
      }
    }
  }

  private static void awaitServedSerial(String serial) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      try (SSLSocket probe = connect()) {
        if (serial.equals(serialOf(probe))) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the new certificate was never served");
      }
      Thread.sleep(100);
    }
  }

  private static void replace(Path source, Path target) throws Exception {
    Path staged = target.resolveSibling(target.getFileName() + ".new");
    Files.copy(source, staged, StandardCopyOption.REPLACE_EXISTING);
    Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String serialOf(SSLSocket socket) throws Exception {
    return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
  }

  private static String roundTrip(SSLSocket socket, String text) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write((text + "\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return new String(socket.getInputStream().readNBytes(text.length() + 1), StandardCharsets.US_ASCII).trim();
  }

  private static SSLSocket connect() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(TestCerts.ca().certPem())) {
      trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout((int) TIMEOUT.toMillis());
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setServerNames(List.of(new SNIHostName("reload.test")));
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    byte[] greeting = socket.getInputStream().readNBytes("echo\n".length());
    assertEquals("echo\n", new String(greeting, StandardCharsets.US_ASCII));
    return socket;
  }
}
