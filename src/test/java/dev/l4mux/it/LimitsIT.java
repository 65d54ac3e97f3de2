package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.observe.ConnectionClosed;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * Limits and rates with real connections from several loopback source addresses (127.0.0.2,
 * 127.0.0.3, ...): each triggers exactly at its threshold and is counted with its reason; every
 * refusal, a listener's (decided at accept) as a route's, is answered in the client's protocol
 * once its first bytes tell it (HTTP 503, a TLS alert; other protocols see the close), and logged.
 */
class LimitsIT {

  private static Socket from(String source, int port) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    s.setSoTimeout(10_000);
    return s;
  }

  private static boolean echoes(Socket s) throws IOException {
    s.getOutputStream().write('x');
    return s.getInputStream().read() == 'x';
  }

  /** True when the proxy closed the connection without relaying a byte. */
  private static boolean refused(Socket s) throws IOException {
    try {
      s.getOutputStream().write('x');
      return s.getInputStream().read() == -1;
    } catch (IOException reset) {
      return true;
    }
  }

  private static String request(Socket s) throws IOException {
    s.getOutputStream().write("GET / HTTP/1.1\r\nHost: web\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    InputStream in = s.getInputStream();
    byte[] buf = new byte[4096];
    int n = in.read(buf);
    return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
  }

  @Test
  void eachLimitTriggersAtItsThresholdPerSourceAddress() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      TaggedBackend echo = TaggedBackends.tcpEcho(vertx, "echo").await(10, TimeUnit.SECONDS);
      TaggedBackend web = TaggedBackends.http(vertx, "web").await(10, TimeUnit.SECONDS);
      try (L4muxTestNode node = L4muxTestNode.start("""
              admin: { listen: "127.0.0.1:0" }
              listeners:
                - { name: perip, bind: ["127.0.0.1:0"], limits: { maxConnectionsPerIp: 2 } }
                - { name: rated, bind: ["127.0.0.1:0"], limits: { connectionRatePerIp: 3/m } }
                - { name: web, bind: ["127.0.0.1:0"] }
              routes:
                - { name: echo, listeners: [perip, rated], backends: [ { address: "127.0.0.1:%d" } ] }
                - name: web
                  listeners: [web]
                  match: { protocol: http }
                  limits: { maxConnections: 2 }
                  backends: [ { address: "127.0.0.1:%d" } ]
              """.formatted(echo.port(), web.port()))) {
        List<Socket> open = new ArrayList<>();
        try {
          // maxConnectionsPerIp 2: the third from 127.0.0.2 is refused at accept, 127.0.0.3 is not affected.
          int perip = node.port("perip");
          for (int i = 0; i < 2; i++) {
            Socket s = from("127.0.0.2", perip);
            open.add(s);
            assertTrue(echoes(s));
          }
          try (Socket third = from("127.0.0.2", perip)) {
            assertTrue(refused(third), "third connection from 127.0.0.2");
          }
          Socket other = from("127.0.0.3", perip);
          open.add(other);
          assertTrue(echoes(other), "127.0.0.3 has its own count");
          open.remove(0).close();
          awaitOpen(node, "echo", 2);
          Socket again = from("127.0.0.2", perip);
          open.add(again);
          assertTrue(echoes(again), "a slot freed by a close");

          // connectionRatePerIp 3/m: three from 127.0.0.4, the fourth refused; 127.0.0.5 still gets three.
          int rated = node.port("rated");
          for (String source : List.of("127.0.0.4", "127.0.0.5")) {
            for (int i = 0; i < 3; i++) {
              try (Socket s = from(source, rated)) {
                assertTrue(echoes(s), source + " #" + i);
              }
            }
            try (Socket s = from(source, rated)) {
              assertTrue(refused(s), source + ": the fourth within a minute");
            }
          }

          // The route's maxConnections 2: the third HTTP client gets a 503 page.
          int port = node.port("web");
          for (String source : List.of("127.0.0.6", "127.0.0.7")) {
            Socket s = from(source, port);
            open.add(s);
            assertTrue(request(s).startsWith("HTTP/1.1 200 "));
          }
          try (Socket s = from("127.0.0.8", port)) {
            String answer = request(s);
            assertTrue(answer.startsWith("HTTP/1.1 503 Service Unavailable"), answer);
            assertTrue(answer.contains("l4mux: limit"), answer);
          }
        } finally {
          for (Socket s : open) {
            s.close();
          }
        }
        String metrics = node.admin("/metrics").body();
        assertEquals(1.0, MetricsText.sum(metrics, "l4mux_rejections_total", "listener=\"perip\"", "reason=\"limit\""));
        assertEquals(2.0, MetricsText.sum(metrics, "l4mux_rejections_total", "listener=\"rated\"", "reason=\"rate\""));
        assertEquals(1.0, MetricsText.sum(metrics, "l4mux_rejections_total", "listener=\"web\"", "reason=\"limit\""));
        assertEquals(2, node.state().limiters().trackedSources("perip"), "127.0.0.2 and 127.0.0.3");
        assertEquals(2, node.state().limiters().trackedSources("rated"), "127.0.0.4 and 127.0.0.5");
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aListenersRefusalIsAnsweredInTheClientsProtocolCountedAndLogged() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      TaggedBackend web = TaggedBackends.http(vertx, "web").await(10, TimeUnit.SECONDS);
      try (L4muxTestNode node = L4muxTestNode.start("""
              admin: { listen: "127.0.0.1:0" }
              listeners:
                - { name: guarded, bind: ["127.0.0.1:0"], limits: { maxConnectionsPerIp: 1 } }
              """ + httpAndTlsRoutes(web.port()));
          ClosedConnections closed = new ClosedConnections(node.vertx());
          Socket held = from("127.0.0.9", node.port("guarded"))) {
        int port = node.port("guarded");
        assertTrue(request(held).startsWith("HTTP/1.1 200 "), "the one connection 127.0.0.9 may hold");

        try (Socket http = from("127.0.0.9", port)) {
          String answer = request(http);
          assertTrue(answer.startsWith("HTTP/1.1 503 Service Unavailable"), answer);
          assertTrue(answer.contains("l4mux: limit"), answer);
        }
        String tlsAlert = tlsRefusal("127.0.0.9", port);
        assertTrue(tlsAlert.contains("internal_error"), "a fatal internal_error alert: " + tlsAlert);
        try (Socket other = from("127.0.0.9", port)) {
          assertTrue(refused(other), "a protocol without an error message of its own sees the close");
        }

        for (String protocol : List.of("http", "tls", "unknown")) {
          ConnectionClosed line = closed.await(c -> "guarded".equals(c.listener()) && protocol.equals(c.protocol()) && "limit".equals(c.closeReason()),
              Duration.ofSeconds(10));
          assertEquals(null, line.route(), "refused before any route was decided");
        }
        String metrics = node.admin("/metrics").body();
        assertEquals(3.0, MetricsText.sum(metrics, "l4mux_rejections_total", "listener=\"guarded\"", "reason=\"limit\""));
        assertEquals(3.0, MetricsText.sum(metrics, "l4mux_connections_total", "listener=\"guarded\"", "outcome=\"rejected\""));
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aListenersAccessDenialIsAnsweredInTheClientsProtocolToo() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      TaggedBackend web = TaggedBackends.http(vertx, "web").await(10, TimeUnit.SECONDS);
      try (L4muxTestNode node = L4muxTestNode.start("""
              admin: { listen: "127.0.0.1:0" }
              listeners:
                - { name: fenced, bind: ["127.0.0.1:0"], access: { deny: ["127.0.0.10/32"] } }
              """ + httpAndTlsRoutes(web.port()))) {
        int port = node.port("fenced");
        try (Socket allowed = from("127.0.0.11", port)) {
          assertTrue(request(allowed).startsWith("HTTP/1.1 200 "), "another source is let in");
        }
        try (Socket http = from("127.0.0.10", port)) {
          String answer = request(http);
          assertTrue(answer.startsWith("HTTP/1.1 403 Forbidden"), answer);
        }
        String tlsAlert = tlsRefusal("127.0.0.10", port);
        assertTrue(tlsAlert.contains("access_denied"), "a fatal access_denied alert: " + tlsAlert);
        assertEquals(2.0, MetricsText.sum(node.admin("/metrics").body(), "l4mux_rejections_total", "listener=\"fenced\"", "reason=\"denied\""));
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A TLS client that trusts any certificate: the refusal comes before any certificate. */
  /** The routes of the refusal tests: HTTP and TLS, both to {@code port}. */
  private static String httpAndTlsRoutes(int port) {
    return """
        routes:
          - { name: web, match: { protocol: http }, backends: [ { address: "127.0.0.1:%1$d" } ] }
          - { name: tls, match: { protocol: tls }, backends: [ { address: "127.0.0.1:%1$d" } ] }
        """.formatted(port);
  }

  /** A TLS handshake from {@code source} that must fail: the message of the alert it ended with. */
  private static String tlsRefusal(String source, int port) throws Exception {
    SSLSocketFactory client = trustingClient();
    // The JDK's first ClientHello in a JVM (providers, key shares) took over a second once on a loaded
    // machine: past the listener's wait for a refused client's first bytes, so the client saw a bare
    // close. Made once without a socket, the one sent below takes milliseconds.
    SSLEngine warm = SSLContext.getDefault().createSSLEngine("web.test", port);
    warm.setUseClientMode(true);
    warm.beginHandshake();
    warm.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(warm.getSession().getPacketBufferSize()));
    try (Socket plain = from(source, port);
        SSLSocket tls = (SSLSocket) client.createSocket(plain, "web.test", port, true)) {
      SSLException refused = assertThrows(SSLException.class, tls::startHandshake);
      return String.valueOf(refused.getMessage());
    }
  }

  private static SSLSocketFactory trustingClient() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    return context.getSocketFactory();
  }

  private static void awaitOpen(L4muxTestNode node, String route, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      long open = node.state().connections().all().stream().filter(c -> route.equals(c.snapshot().route())).count();
      if (open == expected) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("route " + route + " never had " + expected + " open connections");
  }
}
