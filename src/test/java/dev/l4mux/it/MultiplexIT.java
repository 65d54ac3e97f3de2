package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.OpenSslClient;
import dev.l4mux.testsupport.SshdFixture;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TestCerts;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One listener port carrying TLS (two backends by SNI), HTTP (two backends by Host), WebSocket and
 * SSH, exercised with real clients: openssl s_client, curl, ssh, Vert.x's WebSocket client.
 */
class MultiplexIT {

  private static Vertx backends;
  private static TaggedBackend tlsA;
  private static TaggedBackend tlsB;
  private static TaggedBackend httpWww;
  private static TaggedBackend httpApi;
  private static SshdFixture sshd;
  private static L4muxTestNode node;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    backends = Vertx.vertx();
    tlsA = TaggedBackends.tls(backends, "tls-a", TestCerts.leaf("a.example.com")).await(10, TimeUnit.SECONDS);
    tlsB = TaggedBackends.tls(backends, "tls-b", TestCerts.leaf("b.example.org")).await(10, TimeUnit.SECONDS);
    httpWww = TaggedBackends.http(backends, "http-www").await(10, TimeUnit.SECONDS);
    httpApi = TaggedBackends.http(backends, "http-api").await(10, TimeUnit.SECONDS);
    sshd = SshdFixture.start();
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - name: edge
            bind: ["127.0.0.1:0"]
        routes:
          - name: tls-a
            match: { protocol: tls, sni: ["a.example.com"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: tls-b
            match: { protocol: tls, sni: ["*.example.org"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: http-www
            match: { protocol: http, host: ["www.example.com"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: http-api
            match: { host: ["~^api[0-9]+\\\\.example\\\\.net$"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: ssh
            match: { protocol: ssh }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(tlsA.port(), tlsB.port(), httpWww.port(), httpApi.port(), sshd.port()));
    port = node.port("edge");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (sshd != null) {
      sshd.close();
    }
    backends.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void routesTlsBySniWithoutTerminating() {
    ExternalProcess.Result a = OpenSslClient.exchange(port, "a.example.com", "hello\n", "hello", Duration.ofSeconds(15));
    assertTrue(a.stdout().contains("tls-a"), () -> "a.example.com went elsewhere: " + a);
    ExternalProcess.Result b = OpenSslClient.exchange(port, "x.b.example.org", "hello\n", "hello", Duration.ofSeconds(15));
    assertTrue(b.stdout().contains("tls-b"), () -> "x.b.example.org went elsewhere: " + b);
    // Passthrough: the certificate the client sees is the backend's own.
    OpenSslClient.Handshake handshake = OpenSslClient.handshake(port, "a.example.com", List.of("h2", "http/1.1"), Duration.ofSeconds(15));
    assertTrue(handshake.completed(), handshake::toString);
    assertTrue(handshake.peerSubject().orElse("").contains("a.example.com"), handshake::toString);
  }

  @Test
  void rejectsUnknownSniWithAnAlert() {
    OpenSslClient.Handshake handshake = OpenSslClient.handshake(port, "unknown.example.net", List.of(), Duration.ofSeconds(15));
    assertFalse(handshake.completed());
    assertEquals(112, handshake.alert().map(OpenSslClient.TlsAlert::number).orElse(-1), handshake::toString);
  }

  @Test
  void routesHttpByHostWithCurl() {
    assertEquals("http-www", curl("www.example.com"));
    assertEquals("http-www", curl("WWW.Example.COM:8080"));
    assertEquals("http-api", curl("api7.example.net"));
  }

  @Test
  void answersUnknownHostWith404NamingL4mux() {
    ExternalProcess.Result result = ExternalProcess.run(
        List.of("curl", "-s", "-i", "--max-time", "10", "-H", "Host: nobody.example.com", "http://127.0.0.1:" + port + "/"),
        new byte[0], Duration.ofSeconds(15));
    assertTrue(result.stdout().startsWith("HTTP/1.1 404"), result::toString);
    assertTrue(result.stdout().contains("l4mux"), result::toString);
  }

  @Test
  void relaysAWebSocketUpgrade() throws Exception {
    WebSocketClient client = backends.createWebSocketClient();
    try {
      var ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/chat")
          .putHeader("Host", "www.example.com")).await(10, TimeUnit.SECONDS);
      var reply = io.vertx.core.Promise.<String>promise();
      ws.textMessageHandler(reply::tryComplete);
      ws.writeTextMessage("ping").await(10, TimeUnit.SECONDS);
      assertEquals("http-www:ping", reply.future().await(10, TimeUnit.SECONDS));
      ws.close().await(10, TimeUnit.SECONDS);
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
    JsonArray open = new JsonObject(node.admin("/api/connections").body()).getJsonArray("connections");
    assertTrue(open.size() <= 1, open::encodePrettily);
  }

  @Test
  void logsInOverSshThroughTheSharedPort() {
    ExternalProcess.Result result = ExternalProcess.run(sshd.sshCommand(port, "echo through-l4mux"), new byte[0], Duration.ofSeconds(30));
    assertEquals(0, result.exitCode(), result::toString);
    assertTrue(result.stdout().contains("through-l4mux"), result::toString);
  }

  private static String curl(String host) {
    ExternalProcess.Result result = ExternalProcess.run(
        List.of("curl", "-s", "--max-time", "10", "-H", "Host: " + host, "http://127.0.0.1:" + port + "/"),
        new byte[0], Duration.ofSeconds(15));
    assertEquals(0, result.exitCode(), result::toString);
    return result.stdout().trim();
  }
}
