package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.OpenSslClient;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TempDirs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The bundled {@code conf/l4mux.yaml} as a newcomer runs it (the jar, nothing else installed),
 * with its two ports moved to free ones: its built-in demo backends answer through TLS by SNI
 * (passthrough), the terminating route (a self-signed certificate minted at start), HTTP by Host
 * (keep-alive through the relay), and the catch-all echo over TCP and UDP; {@code /api/routes}
 * shows them up. Real clients: curl and openssl s_client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundledConfigIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private Path dir;
  private int port;
  private JarNode node;

  @BeforeAll
  void startTheBundledConfigOnFreePorts() throws Exception {
    Path project = Path.of(System.getProperty("l4mux.projectDir", "."));
    String bundled = Files.readString(project.resolve("conf/l4mux.yaml"));
    assertTrue(bundled.contains("\"127.0.0.1:8443\""), "conf/l4mux.yaml binds 127.0.0.1:8443");
    port = freeTcpAndUdpPort();
    dir = TempDirs.create("l4mux-bundled");
    Path config = dir.resolve("l4mux.yaml");
    Files.writeString(config, bundled.replace("\"127.0.0.1:8443\"", "\"127.0.0.1:" + port + "\""));
    node = JarNode.start("bundled", Ports.freePort(), List.of(), List.of("-conf", config.toString()));
    node.awaitReady(Duration.ofSeconds(60));
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
    if (dir != null) {
      TempDirs.delete(dir);
    }
  }

  @Test
  void httpByHostReachesBuiltinHttpWithKeepAlive() {
    String out = curl("-H", "Host: www.localhost", "http://127.0.0.1:" + port + "/first", "http://127.0.0.1:" + port + "/second");
    List<JsonObject> answers = out.lines().map(JsonObject::new).toList();
    assertEquals(2, answers.size(), out);
    assertEquals("builtin:http", answers.get(0).getString("backend"));
    assertEquals("www.localhost", answers.get(0).getString("host"));
    assertEquals("/first", answers.get(0).getString("path"));
    assertEquals("/second", answers.get(1).getString("path"));
    assertEquals(2, answers.get(1).getInteger("requestOnConnection"), "curl reused its connection: " + out);
  }

  @Test
  void tlsBySniIsPassedThroughToBuiltinTls() {
    JsonObject answer = new JsonObject(curl("-k", "--resolve", "app.localhost:" + port + ":127.0.0.1", "https://app.localhost:" + port + "/"));
    assertEquals("builtin:tls", answer.getString("backend"));
    assertEquals("app.localhost", answer.getString("sni"));
    // The certificate is builtin:tls's own, minted for the name asked: l4mux did not terminate.
    OpenSslClient.Handshake handshake = OpenSslClient.handshake(port, "api.app.localhost", List.of(), TIMEOUT);
    assertTrue(handshake.completed(), handshake.result().stderr());
    assertTrue(handshake.peerSubject().orElse("").contains("CN = api.app.localhost"), handshake.peerSubject().toString());
  }

  @Test
  void theTerminatingRouteServesASelfSignedCertificateWithoutFiles() {
    JsonObject answer = new JsonObject(curl("-k", "--resolve", "secure.localhost:" + port + ":127.0.0.1", "https://secure.localhost:" + port + "/t"));
    assertEquals("builtin:http", answer.getString("backend"), "plain HTTP behind l4mux's TLS: " + answer);
    assertEquals("secure.localhost:" + port, answer.getString("host"));
    assertFalse(answer.containsKey("sni"), "the backend saw no TLS: " + answer);
    OpenSslClient.Handshake handshake = OpenSslClient.handshake(port, "secure.localhost", List.of(), TIMEOUT);
    assertTrue(handshake.peerSubject().orElse("").contains("CN = localhost"), handshake.peerSubject().toString());
    assertTrue(node.process().stderr().contains("route tls-terminated: serving a self-signed certificate for [localhost, secure.localhost]"),
        node.process().stderr());
  }

  @Test
  void unknownBytesAreEchoedOverTcpAndUdp() throws IOException {
    byte[] hello = "hello l4mux\n".getBytes(StandardCharsets.US_ASCII);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout((int) TIMEOUT.toMillis());
      s.getOutputStream().write(hello);
      assertEquals("hello l4mux\n", new String(readExactly(s.getInputStream(), hello.length), StandardCharsets.US_ASCII));
    }
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) { // nc -N: the FIN right behind the bytes
      s.setSoTimeout((int) TIMEOUT.toMillis());
      s.getOutputStream().write(hello);
      s.shutdownOutput();
      assertEquals("hello l4mux\n", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
    }
    try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      udp.setSoTimeout(2000);
      byte[] buffer = new byte[100];
      DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
      boolean answered = false;
      for (int attempt = 0; attempt < 5 && !answered; attempt++) { // datagrams may be lost; a few tries
        udp.send(new DatagramPacket(hello, hello.length, InetAddress.getLoopbackAddress(), port));
        try {
          udp.receive(reply);
          answered = true;
        } catch (java.net.SocketTimeoutException lost) {
          // try again
        }
      }
      assertTrue(answered, "no datagram echoed");
      assertEquals("hello l4mux\n", new String(buffer, 0, reply.getLength(), StandardCharsets.US_ASCII));
    }
  }

  @Test
  void anUnknownHostGetsL4muxsNotFoundPage() {
    String out = curl("-i", "-H", "Host: nobody.example", "http://127.0.0.1:" + port + "/");
    assertTrue(out.startsWith("HTTP/1.1 404"), out);
  }

  @Test
  void apiRoutesShowsTheBuiltinBackendsUpAndTheHealthCheckPassing() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    JsonObject http = null;
    while (System.nanoTime() < deadline) {
      JsonArray routes = new JsonObject(node.get("/api/routes").body()).getJsonArray("routes");
      http = backend(routes, "http-www", "builtin:http");
      if (http.getJsonObject("active") != null && "status 200".equals(http.getJsonObject("active").getString("reason"))) {
        break;
      }
      Thread.sleep(250);
    }
    assertTrue(http.getJsonObject("active").getBoolean("up"), http.encode());
    assertEquals("status 200", http.getJsonObject("active").getString("reason"));
    JsonArray routes = new JsonObject(node.get("/api/routes").body()).getJsonArray("routes");
    for (String[] rb : new String[][] {{"tls-app", "builtin:tls"}, {"tls-terminated", "builtin:http"}, {"echo", "builtin:echo"}}) {
      assertTrue(backend(routes, rb[0], rb[1]).getBoolean("up"), routes.encodePrettily());
    }
    String metrics = node.get("/metrics").body();
    assertTrue(metrics.contains("l4mux_backend_up{backend=\"builtin:http\",route=\"http-www\"} 1.0"), metrics);
  }

  private static JsonObject backend(JsonArray routes, String route, String address) {
    for (int i = 0; i < routes.size(); i++) {
      JsonObject r = routes.getJsonObject(i);
      if (r.getString("name").equals(route)) {
        JsonArray backends = r.getJsonArray("backends");
        for (int j = 0; j < backends.size(); j++) {
          if (backends.getJsonObject(j).getString("address").equals(address)) {
            return backends.getJsonObject(j);
          }
        }
      }
    }
    throw new AssertionError("no backend " + address + " on route " + route + " in " + routes.encodePrettily());
  }

  private static String curl(String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
    command.addAll(List.of(args));
    ExternalProcess.Result r = ExternalProcess.run(command, new byte[0], TIMEOUT);
    assertEquals(0, r.exitCode(), command + " failed: " + r.stderr());
    return r.stdout().strip();
  }

  private static byte[] readExactly(InputStream in, int length) throws IOException {
    byte[] out = in.readNBytes(length);
    assertEquals(length, out.length, "connection closed early");
    return out;
  }

  /** A port free for TCP and UDP on 127.0.0.1 a moment ago (the listeners share the number). */
  private static int freeTcpAndUdpPort() {
    for (int attempt = 0; attempt < 20; attempt++) {
      int candidate = Ports.freePort();
      try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), candidate))) {
        if (probe.getLocalPort() == candidate) { // bound: the number is free for UDP too
          return candidate;
        }
      } catch (SocketException taken) {
        // next
      }
    }
    throw new UncheckedIOException(new IOException("no port free for both TCP and UDP"));
  }
}
