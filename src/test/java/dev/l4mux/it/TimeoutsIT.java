package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.UnreachableBackend;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every phase of a connection is bounded: a silent client goes to the fallback after
 * {@code timeouts.sniff}, an unreachable backend fails after {@code timeouts.connect}, an idle
 * relay closes after {@code timeouts.idle}; afterwards nothing is left open.
 */
class TimeoutsIT {

  private static Vertx backends;
  private static TaggedBackend greeting;
  private static TaggedBackend echo;
  private static UnreachableBackend unreachable;
  private static int refusedPort;
  private static L4muxTestNode node;
  private static ClosedConnections closed;

  @BeforeAll
  static void start() throws Exception {
    backends = Vertx.vertx();
    greeting = TaggedBackends.tcpGreeting(backends, "fallback").await(10, TimeUnit.SECONDS);
    echo = TaggedBackends.tcpEcho(backends, "echo").await(10, TimeUnit.SECONDS);
    unreachable = UnreachableBackend.start();
    refusedPort = Ports.freePort();
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        defaults:
          timeouts: { sniff: 400ms, connect: 500ms, idle: 600ms }
        listeners:
          - { name: silent-to-fallback, bind: ["127.0.0.1:0"], fallback: greeter }
          - { name: silent-to-reject, bind: ["127.0.0.1:0"] }
          - { name: unreachable, bind: ["127.0.0.1:0"] }
          - { name: refused, bind: ["127.0.0.1:0"] }
          - { name: idle, bind: ["127.0.0.1:0"] }
        routes:
          - name: tls-only
            listeners: [silent-to-fallback, silent-to-reject]
            match: { protocol: tls, sni: ["a.example.com"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: greeter
            listeners: [silent-to-fallback]
            match: { protocol: ssh }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: blackhole
            listeners: [unreachable]
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: nobody-home
            listeners: [refused]
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: echo
            listeners: [idle]
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(echo.port(), greeting.port(), unreachable.port(), refusedPort, echo.port()));
    closed = new ClosedConnections(node.vertx());
  }

  @AfterAll
  static void stop() throws Exception {
    closed.close();
    node.close();
    unreachable.close();
    backends.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void silentClientGoesToTheFallbackAfterTheSniffTimeout() throws Exception {
    long started = System.nanoTime();
    try (Socket socket = connect("silent-to-fallback")) {
      assertEquals("fallback", readLine(socket, Duration.ofSeconds(5)));
    }
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(elapsedMs >= 350, "fallback after " + elapsedMs + " ms, before the 400 ms sniff timeout");
    ConnectionClosed c = closed.await(e -> e.listener().equals("silent-to-fallback"), Duration.ofSeconds(5));
    assertEquals("greeter", c.route());
  }

  @Test
  void silentClientIsRejectedAfterTheSniffTimeout() throws Exception {
    long started = System.nanoTime();
    try (Socket socket = connect("silent-to-reject")) {
      assertEquals(-1, socket.getInputStream().read(), "closed without a byte");
    }
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(elapsedMs >= 350 && elapsedMs < 3000, "closed after " + elapsedMs + " ms");
    closed.await(e -> e.listener().equals("silent-to-reject") && "sniff_timeout".equals(e.closeReason()), Duration.ofSeconds(5));
    String metrics = node.admin("/metrics").body();
    assertTrue(MetricsText.sum(metrics, "l4mux_rejections_total", "reason=\"sniff_timeout\"") >= 1, metrics);
  }

  @Test
  void unreachableBackendFailsAfterTheConnectTimeout() throws Exception {
    long started = System.nanoTime();
    try (Socket socket = connect("unreachable")) {
      socket.setSoTimeout(5000);
      assertEquals(-1, socket.getInputStream().read());
    }
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(elapsedMs >= 450 && elapsedMs < 3000, "failed after " + elapsedMs + " ms, connect timeout 500 ms");
    ConnectionClosed c = closed.await(e -> e.listener().equals("unreachable"), Duration.ofSeconds(5));
    assertEquals("backend_unavailable", c.closeReason());
    String metrics = node.admin("/metrics").body();
    assertTrue(MetricsText.sum(metrics, "l4mux_connections_total", "route=\"blackhole\"", "outcome=\"failed\"") >= 1, metrics);
    assertEquals(0.0, MetricsText.sum(metrics, "l4mux_backend_up", "route=\"blackhole\""), "marked down");
  }

  @Test
  void refusedBackendClosesTheClientAtOnce() throws Exception {
    try (Socket socket = connect("refused")) {
      socket.setSoTimeout(3000);
      assertEquals(-1, socket.getInputStream().read());
    }
    assertEquals("backend_unavailable", closed.await(e -> e.listener().equals("refused"), Duration.ofSeconds(5)).closeReason());
  }

  @Test
  void idleRelayIsClosedAfterTheIdleTimeout() throws Exception {
    try (Socket socket = connect("idle")) {
      socket.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
      assertEquals("hello", readLine(socket, Duration.ofSeconds(5)));
      long quietSince = System.nanoTime();
      socket.setSoTimeout(5000);
      assertEquals(-1, socket.getInputStream().read(), "closed by the proxy");
      long idleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - quietSince);
      assertTrue(idleMs >= 550 && idleMs < 3000, "closed after " + idleMs + " ms idle, timeout 600 ms");
    }
    ConnectionClosed c = closed.await(e -> e.listener().equals("idle"), Duration.ofSeconds(5));
    assertEquals("idle_timeout", c.closeReason());
    assertEquals(6, c.bytesUp());
    assertEquals(6, c.bytesDown());
  }

  @Test
  void nothingIsLeftOpenAfterwards() throws Exception {
    silentClientIsRejectedAfterTheSniffTimeout();
    unreachableBackendFailsAfterTheConnectTimeout();
    idleRelayIsClosedAfterTheIdleTimeout();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (node.state().connections().size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, node.state().connections().size());
    assertEquals(0.0, node.activeConnectionsMetric());
  }

  private static Socket connect(String listener) throws Exception {
    Socket socket = new Socket("127.0.0.1", node.port(listener));
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static String readLine(Socket socket, Duration timeout) throws Exception {
    socket.setSoTimeout((int) timeout.toMillis());
    InputStream in = socket.getInputStream();
    StringBuilder line = new StringBuilder();
    try {
      for (int b; (b = in.read()) != -1 && b != '\n'; ) {
        line.append((char) b);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no line within " + timeout + "; got '" + line + "'", e);
    }
    return line.toString();
  }
}
