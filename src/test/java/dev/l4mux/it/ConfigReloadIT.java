package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.Lines;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watched file: a valid edit re-routes new connections within 2 s while open connections keep
 * flowing to where they were sent; an invalid edit is rejected whole and changes nothing; listeners
 * come and go without disturbing the others.
 */
class ConfigReloadIT {

  private static final String CONFIG = """
      admin: { listen: "127.0.0.1:0" }
      listeners:
        - { name: main, bind: ["127.0.0.1:0"] }%s
      routes:
        - name: app
          match: { protocol: unknown }
          backends: [ { address: "127.0.0.1:%d" } ]
      """;

  private Vertx backends;
  private TaggedBackend blue;
  private TaggedBackend green;
  private L4muxTestNode node;

  @BeforeEach
  void start() throws Exception {
    backends = Vertx.vertx();
    blue = TaggedBackends.tcpGreeting(backends, "blue").await(10, TimeUnit.SECONDS);
    green = TaggedBackends.tcpGreeting(backends, "green").await(10, TimeUnit.SECONDS);
    node = L4muxTestNode.start(CONFIG.formatted("", blue.port()));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    backends.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void validEditReroutesNewConnectionsWhileOpenOnesKeepFlowing() throws Exception {
    int port = node.port("main");
    try (Socket old = new Socket("127.0.0.1", port)) {
      assertEquals("blue", exchange(old, "one"));

      long edited = System.nanoTime();
      node.rewriteConfig(CONFIG.formatted("", green.port()));
      String tag;
      do {
        Thread.sleep(20);
        try (Socket fresh = new Socket("127.0.0.1", port)) {
          tag = exchange(fresh, "probe");
        }
      } while (!tag.equals("green") && System.nanoTime() - edited < TimeUnit.SECONDS.toNanos(5));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - edited);
      assertEquals("green", tag);
      assertTrue(tookMs < 2000, "re-routed after " + tookMs + " ms");
      System.out.println("config reload re-routed new connections after " + tookMs + " ms");

      // The connection opened before the edit still flows to blue.
      assertEquals("two", echo(old, "two"));
      assertEquals(port, node.port("main"), "the listener was not re-bound");
    }
    assertEquals(2, version());
  }

  @Test
  void invalidEditIsRejectedAndTheRunningConfigKept() throws Exception {
    node.rewriteConfig("""
        listeners:
          - { name: main, bind: ["127.0.0.1:0"], fallback: nowhere }
        routes:
          - name: app
            backends: [ { address: "127.0.0.1:99999" } ]
            timeouts: { idle: 5 }
        """);
    Thread.sleep(1000); // several scan periods
    assertEquals(1, version());
    try (Socket socket = new Socket("127.0.0.1", node.port("main"))) {
      assertEquals("blue", exchange(socket, "still"));
    }
  }

  @Test
  void listenersAreAddedAndRemovedWithoutTouchingTheOthers() throws Exception {
    int mainPort = node.port("main");
    int extraPort = Ports.freePort();
    try (Socket open = new Socket("127.0.0.1", mainPort)) {
      assertEquals("blue", exchange(open, "a"));
      node.rewriteConfig(CONFIG.formatted("\n  - { name: extra, bind: [\"127.0.0.1:" + extraPort + "\"] }", blue.port()));
      Ports.awaitListening(extraPort, Duration.ofSeconds(3));
      try (Socket viaExtra = new Socket("127.0.0.1", extraPort)) {
        assertEquals("blue", exchange(viaExtra, "b"));
      }
      node.rewriteConfig(CONFIG.formatted("", blue.port()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (Ports.isListening(extraPort) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(!Ports.isListening(extraPort), "removed listener still accepts");
      assertEquals("c", echo(open, "c"));
      assertEquals(mainPort, node.port("main"));
    }
  }

  private long version() throws Exception {
    return new JsonObject(node.admin("/api/config").body()).getLong("version");
  }

  /** Sends a line on a fresh connection and returns the backend's greeting tag. */
  private static String exchange(Socket socket, String line) throws Exception {
    socket.setSoTimeout(5000);
    socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    String tag = Lines.readLine(socket.getInputStream());
    assertEquals(line, Lines.readLine(socket.getInputStream()));
    return tag;
  }

  private static String echo(Socket socket, String line) throws Exception {
    socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    return Lines.readLine(socket.getInputStream());
  }

}
