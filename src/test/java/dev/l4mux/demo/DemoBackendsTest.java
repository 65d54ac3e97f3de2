package dev.l4mux.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.HostPort;
import dev.l4mux.config.L4muxConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The built-in demo backends on real loopback sockets: bound when named, closed when not. */
class DemoBackendsTest {

  private static final HostPort HTTP = HostPort.builtin("builtin:http");
  private static final HostPort TLS = HostPort.builtin("builtin:tls");
  private static final HostPort ECHO = HostPort.builtin("builtin:echo");

  private Vertx vertx;
  private DemoBackends demo;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    demo = new DemoBackends(vertx, "node-1");
  }

  @AfterEach
  void stop() throws Exception {
    demo.closeAll();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static L4muxConfig naming(String... addresses) {
    StringBuilder backends = new StringBuilder();
    for (String a : addresses) {
      backends.append(backends.length() == 0 ? "" : ", ").append("{address: '").append(a).append("'}");
    }
    return ConfigParser.parse(ConfigFiles.parseText(addresses.length == 0 ? "routes: []" : "routes: [{name: r, backends: [" + backends + "]}]"));
  }

  private void reconcile(L4muxConfig config) throws Exception {
    demo.reconcile(config).await(10, TimeUnit.SECONDS);
  }

  @Test
  void bindsOnlyWhatTheConfigurationNamesAndClosesWhatItNoLongerNames() throws Exception {
    reconcile(naming("builtin:http", "127.0.0.1:1"));
    InetSocketAddress http = demo.address(HTTP, false);
    assertNotNull(http);
    assertTrue(http.getAddress().isLoopbackAddress());
    assertNull(demo.address(TLS, false));
    assertNull(demo.address(ECHO, false));
    assertNull(demo.address(HTTP, true), "builtin:http answers no datagrams");

    reconcile(naming("builtin:http", "builtin:echo"));
    assertEquals(http, demo.address(HTTP, false), "a backend named again keeps its socket");
    assertNotNull(demo.address(ECHO, true));

    reconcile(naming());
    assertNull(demo.address(HTTP, false));
    assertNull(demo.address(ECHO, false));
    awaitRefused(http);
  }

  @Test
  void httpAnswersEachRequestOnAKeptAliveConnection() throws Exception {
    reconcile(naming("builtin:http"));
    InetSocketAddress http = demo.address(HTTP, false);
    try (Socket s = new Socket(http.getAddress(), http.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      out.write("GET /a HTTP/1.1\r\nHost: www.localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      JsonObject first = body(in);
      out.write("GET /b HTTP/1.1\r\nHost: other.localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      JsonObject second = body(in);
      assertEquals("builtin:http", first.getString("backend"));
      assertEquals("node-1", first.getString("node"));
      assertEquals("www.localhost", first.getString("host"));
      assertEquals("/a", first.getString("path"));
      assertEquals(1, first.getInteger("requestOnConnection"));
      assertEquals("other.localhost", second.getString("host"));
      assertEquals(2, second.getInteger("requestOnConnection"));
      assertEquals(null, in.readLine(), "Connection: close is honoured");
    }
  }

  @Test
  void httpAnswersARequestFollowedByTheClientsFin() throws Exception {
    reconcile(naming("builtin:http"));
    InetSocketAddress http = demo.address(HTTP, false);
    try (Socket s = new Socket(http.getAddress(), http.getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /fin HTTP/1.1\r\nHost: www.localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("/fin", body(in).getString("path"));
      assertEquals(null, in.readLine(), "closed after the answer");
    }
  }

  @Test
  void tlsMintsACertificateForTheServerNameAskedAndAnswersHttpInside() throws Exception {
    reconcile(naming("builtin:tls"));
    InetSocketAddress tls = demo.address(TLS, false);
    for (String name : List.of("app.localhost", "other.localhost")) {
      try (SSLSocket s = trustingClient().createSocket(tls.getAddress(), tls.getPort()) instanceof SSLSocket ssl ? ssl : null) {
        SSLParameters parameters = s.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(name)));
        s.setSSLParameters(parameters);
        s.setSoTimeout(10_000);
        s.startHandshake();
        X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
        assertTrue(leaf.getSubjectX500Principal().getName().contains("CN=" + name), leaf.getSubjectX500Principal().getName());
        s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + name + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        JsonObject answer = body(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)));
        assertEquals("builtin:tls", answer.getString("backend"));
        assertEquals(name, answer.getString("sni"));
        assertEquals(s.getSession().getProtocol(), answer.getString("tlsVersion"));
      }
    }
  }

  @Test
  void echoReturnsBytesAndDatagrams() throws Exception {
    reconcile(naming("builtin:echo"));
    InetSocketAddress tcp = demo.address(ECHO, false);
    byte[] payload = new byte[200_000];
    new SecureRandom().nextBytes(payload);
    try (Socket s = new Socket(tcp.getAddress(), tcp.getPort())) {
      s.setSoTimeout(10_000);
      Thread writer = new Thread(() -> {
        try {
          s.getOutputStream().write(payload);
          s.shutdownOutput();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      writer.start();
      byte[] back = s.getInputStream().readAllBytes();
      writer.join();
      assertTrue(java.util.Arrays.equals(payload, back), "echoed " + back.length + " of " + payload.length + " bytes");
    }
    InetSocketAddress udp = demo.address(ECHO, true);
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(tcp.getAddress(), 0))) {
      socket.setSoTimeout(10_000);
      byte[] hello = "hello udp".getBytes(StandardCharsets.US_ASCII);
      socket.send(new DatagramPacket(hello, hello.length, udp));
      DatagramPacket reply = new DatagramPacket(new byte[64], 64);
      socket.receive(reply);
      assertEquals("hello udp", new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII));
    }
  }

  /** Reads one response: status line, headers, then Content-Length bytes of JSON. */
  private static JsonObject body(BufferedReader in) throws IOException {
    String status = in.readLine();
    assertEquals("HTTP/1.1 200 OK", status);
    int length = -1;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    char[] chars = new char[length];
    int read = 0;
    while (read < length) {
      int n = in.read(chars, read, length - read);
      assertTrue(n > 0, "body cut short");
      read += n;
    }
    return new JsonObject(new String(chars).strip());
  }

  private static javax.net.ssl.SSLSocketFactory trustingClient() throws Exception {
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
    }}, new SecureRandom());
    return context.getSocketFactory();
  }

  private static void awaitRefused(InetSocketAddress address) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      try (Socket s = new Socket()) {
        s.connect(address, 1000);
      } catch (ConnectException refused) {
        return;
      } catch (IOException other) {
        // keep trying
      }
      Thread.sleep(50);
    }
    assertThrows(ConnectException.class, () -> new Socket(address.getAddress(), address.getPort()).close(), "still listening after its last route went");
  }
}
