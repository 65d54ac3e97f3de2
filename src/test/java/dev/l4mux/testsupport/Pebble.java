package dev.l4mux.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Debian's {@code pebble} (an ACME test server) with {@code pebble-challtestsrv} as its DNS, both on
 * free loopback ports: every name resolves to 127.0.0.1, and pebble validates on the HTTP and TLS
 * ports given (l4mux's listeners). Validation is real ({@code PEBBLE_VA_ALWAYS_VALID=0}) and
 * immediate ({@code PEBBLE_VA_NOSLEEP=1}); certificates live {@code validitySeconds}.
 */
public final class Pebble implements AutoCloseable {

  private final Path dir;
  private final int acmePort;
  private final int managementPort;
  private final ExternalProcess dns;
  private ExternalProcess pebble;
  private final List<String> pebbleCommand;

  private Pebble(Path dir, int acmePort, int managementPort, ExternalProcess dns, List<String> pebbleCommand) {
    this.dir = dir;
    this.acmePort = acmePort;
    this.managementPort = managementPort;
    this.dns = dns;
    this.pebbleCommand = pebbleCommand;
  }

  public static Pebble start(Path dir, int httpPort, int tlsPort, int validitySeconds) throws Exception {
    Files.createDirectories(dir);
    Path cert = dir.resolve("pebble.pem");
    Path key = dir.resolve("pebble.key");
    ExternalProcess.Result made = ExternalProcess.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"), new byte[0], Duration.ofSeconds(30));
    if (made.exitCode() != 0) {
      throw new IllegalStateException("openssl: " + made.stderr());
    }
    int dnsPort = Ports.freePort();
    int acmePort = Ports.freePort();
    int managementPort = Ports.freePort();
    ExternalProcess dns = ExternalProcess.start(List.of("pebble-challtestsrv", "-dns01", "127.0.0.1:" + dnsPort,
        "-http01", "", "-https01", "", "-tlsalpn01", "", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
        "-management", "127.0.0.1:" + Ports.freePort()), new byte[0], Duration.ofMinutes(30));
    Path config = dir.resolve("pebble-config.json");
    Files.writeString(config, """
        {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
          "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d, "ocspResponderURL": "",
          "externalAccountBindingRequired": false, "certificateValidityPeriod": %d}}
        """.formatted(acmePort, managementPort, cert, key, httpPort, tlsPort, validitySeconds));
    List<String> command = List.of("env", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_VA_ALWAYS_VALID=0", "PEBBLE_WFE_NONCEREJECT=0",
        "PEBBLE_AUTHZREUSE=0", "pebble", "-config", config.toString(), "-dnsserver", "127.0.0.1:" + dnsPort);
    Pebble p = new Pebble(dir, acmePort, managementPort, dns, command);
    p.startPebble();
    return p;
  }

  private void startPebble() throws Exception {
    pebble = ExternalProcess.start(pebbleCommand, new byte[0], Duration.ofMinutes(30));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Ports.isListening(acmePort) || !Ports.isListening(managementPort)) {
      if (System.nanoTime() > deadline || !pebble.isAlive()) {
        throw new IllegalStateException("pebble did not start: " + pebble.stdout() + pebble.stderr());
      }
      Thread.sleep(50);
    }
  }

  /** The directory URL l4mux's {@code tls.acme.directory} names. */
  public String directory() {
    return "https://127.0.0.1:" + acmePort + "/dir";
  }

  /** The CA of pebble's own HTTPS ({@code tls.acme.trust}). */
  public Path trust() {
    return dir.resolve("pebble.pem");
  }

  /** Pebble's current root CA (made at its start), from its management interface. */
  public X509Certificate root() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (var in = Files.newInputStream(trust())) {
      store.setCertificateEntry("pebble", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    HttpClient client = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + managementPort + "/roots/0")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException("pebble roots/0: HTTP " + response.statusCode());
    }
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(response.body()));
  }

  /** Stops pebble only (the ACME server goes away; its DNS stays). */
  public void stopAcme() {
    pebble.stop();
  }

  public String log() {
    return pebble.stdout() + pebble.stderr();
  }

  @Override
  public void close() {
    if (pebble != null) {
      pebble.stop();
    }
    dns.stop();
  }
}
