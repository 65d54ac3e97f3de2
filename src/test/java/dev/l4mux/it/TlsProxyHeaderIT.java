package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import dev.l4mux.sniff.proxy.ProxyTlv;
import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.OpenSslClient;
import dev.l4mux.testsupport.RecordingBackend;
import dev.l4mux.testsupport.TestCerts;
import dev.l4mux.tls.PemFiles;
import io.vertx.core.buffer.Buffer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PROXY v2 header of a route that terminates TLS carries the session (doc/proxy-protocol.txt
 * 2.2.6: the SSL TLV with version, cipher and the client certificate's CN) and the ALPN negotiated
 * with the client; on a re-encrypting route the header goes out in clear text ahead of the TLS
 * handshake with the backend, which a JDK TLS server behind it reads before its own handshake.
 * Clients are {@code openssl s_client}, with and without a client certificate.
 */
class TlsProxyHeaderIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static RecordingBackend plain;
  private static HeaderThenTlsBackend tlsBackend;
  private static L4muxTestNode node;
  private static int port;
  private static TestCerts.CertAndKey alice;

  @BeforeAll
  static void start() throws Exception {
    TestCerts.CertAndKey front = TestCerts.leaf("terminate.test", "reencrypt.test");
    alice = TestCerts.leaf("alice.client");
    plain = RecordingBackend.start("plain");
    tlsBackend = new HeaderThenTlsBackend(TestCerts.leaf("backend.test"));
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - name: edge
            bind: ["127.0.0.1:0"]
        routes:
          - name: terminate
            match: { sni: ["terminate.test"] }
            tls: { mode: terminate, cert: "%1$s", key: "%2$s", alpn: [h2, http/1.1], clientAuth: request, clientCa: "%3$s" }
            proxyProtocol: { send: v2 }
            backends: [ { address: "127.0.0.1:%4$d" } ]
          - name: reencrypt
            match: { sni: ["reencrypt.test"] }
            tls:
              mode: reencrypt
              cert: "%1$s"
              key: "%2$s"
              clientAuth: request
              clientCa: "%3$s"
              upstream: { sni: backend.test, ca: "%3$s" }
            proxyProtocol: { send: v2 }
            backends: [ { address: "127.0.0.1:%5$d" } ]
        """.formatted(front.certPem(), front.keyPem(), TestCerts.ca().certPem(), plain.port(), tlsBackend.port()));
    port = node.port("edge");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (plain != null) {
      plain.close();
    }
    if (tlsBackend != null) {
      tlsBackend.close();
    }
  }

  @Test
  void aTerminatedSessionWithAClientCertificateSendsItsCnVersionCipherAndAlpn() throws Exception {
    String out = exchange("terminate.test", alice, "-tls1_3", "http/1.1", "plain");
    assertTrue(out.contains("plain"), out);
    ProxyHeaderResult.Match match = header(plain.next(TIMEOUT));
    Map<String, String> tlvs = ProxyTlv.describe(match.header().tlvs());
    assertEquals("terminate.test", tlvs.get("authority"));
    assertEquals("http/1.1", tlvs.get("alpn"));
    assertEquals("0x07", tlvs.get("ssl.client"));
    assertEquals("0", tlvs.get("ssl.verify"));
    assertEquals("TLSv1.3", tlvs.get("ssl.version"));
    assertEquals("alice.client", tlvs.get("ssl.cn"));
    assertTrue(tlvs.get("ssl.cipher").startsWith("TLS_"), tlvs.toString());
    assertEquals("127.0.0.1", match.header().source().getAddress().getHostAddress());
  }

  @Test
  void aTerminatedSessionWithoutACertificateSaysSoInTls12() throws Exception {
    String out = exchange("terminate.test", null, "-tls1_2", null, "plain");
    assertTrue(out.contains("plain"), out);
    Map<String, String> tlvs = ProxyTlv.describe(header(plain.next(TIMEOUT)).header().tlvs());
    assertEquals("0x01", tlvs.get("ssl.client"));
    assertEquals("1", tlvs.get("ssl.verify"));
    assertEquals("TLSv1.2", tlvs.get("ssl.version"));
    assertNull(tlvs.get("ssl.cn"));
    assertNull(tlvs.get("alpn"), "no ALPN was negotiated");
  }

  @Test
  void aReencryptingRouteSendsTheHeaderInClearTextBeforeItsHandshake() throws Exception {
    String out = exchange("reencrypt.test", alice, "-tls1_3", null, "tls-backend");
    assertTrue(out.contains("tls-backend hello"), out);
    HeaderThenTlsBackend.Seen seen = tlsBackend.next(TIMEOUT);
    ProxyHeader header = header(seen.header()).header();
    assertEquals(ProxyHeader.Transport.STREAM, header.transport());
    Map<String, String> tlvs = ProxyTlv.describe(header.tlvs());
    assertEquals("reencrypt.test", tlvs.get("authority"));
    assertEquals("alice.client", tlvs.get("ssl.cn"));
    assertEquals("backend.test", seen.sniThroughTls(), "the TLS handshake followed the header on the same socket");
  }

  private static ProxyHeaderResult.Match header(byte[] received) {
    return assertInstanceOf(ProxyHeaderResult.Match.class, ProxyHeaderParser.parse(Buffer.buffer(received)));
  }

  private static String exchange(String serverName, TestCerts.CertAndKey clientCert, String version, String alpn, String expect) {
    ExternalProcess.Result r = OpenSslClient.exchangeAs(port, serverName, alpn == null ? List.of() : List.of(alpn), version, clientCert,
        "hello!\n", expect, TIMEOUT);
    return r.stdout() + r.stderr();
  }

  /**
   * A backend that reads a PROXY v2 header in clear text (by its length field, no byte further),
   * then runs a JDK TLS server handshake on the same socket, reads a line and answers {@code
   * tls-backend <line>}.
   */
  static final class HeaderThenTlsBackend implements AutoCloseable {

    record Seen(byte[] header, String sniThroughTls) {}

    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final SSLContext tls;
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    HeaderThenTlsBackend(TestCerts.CertAndKey cert) throws Exception {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("backend", PemFiles.privateKey(cert.keyPem()), new char[0],
          PemFiles.certificates(cert.certPem()).toArray(new X509Certificate[0]));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, new char[0]);
      tls = SSLContext.getInstance("TLS");
      tls.init(keys.getKeyManagers(), null, null);
      Thread acceptor = new Thread(this::acceptLoop, "header-then-tls-backend");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    Seen next(Duration timeout) throws InterruptedException {
      Seen s = seen.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (s == null) {
        throw new AssertionError("the TLS backend saw no header and handshake within " + timeout);
      }
      return s;
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try (Socket raw = server.accept()) {
          raw.setSoTimeout((int) TIMEOUT.toMillis());
          DataInputStream in = new DataInputStream(raw.getInputStream());
          byte[] fixed = new byte[16]; // signature, version/command, family, length (section 2.2)
          in.readFully(fixed);
          byte[] rest = new byte[((fixed[14] & 0xFF) << 8) | (fixed[15] & 0xFF)];
          in.readFully(rest);
          ByteArrayOutputStream header = new ByteArrayOutputStream();
          header.write(fixed);
          header.write(rest);
          try (SSLSocket session = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, true)) {
            String line = new BufferedReader(new InputStreamReader(session.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            OutputStream out = session.getOutputStream();
            out.write(("tls-backend " + line + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String sni = ((javax.net.ssl.ExtendedSSLSession) session.getSession()).getRequestedServerNames().stream()
                .map(n -> new String(n.getEncoded(), StandardCharsets.US_ASCII)).findFirst().orElse(null);
            seen.add(new Seen(Arrays.copyOf(header.toByteArray(), header.size()), sni));
          }
        } catch (IOException e) {
          if (!server.isClosed()) {
            seen.add(new Seen(new byte[0], "failed: " + e));
          }
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
