package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.l4mux.observe.ConnectionClosed;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The fate of live connections (issue 12): {@code onBackendDown} keep/close when active health
 * marks a backend down, and {@code onRemove} keep/close/drain when a new configuration changes
 * the route. Each case holds a live relayed connection and checks whether it still echoes, or was
 * closed with its reason in the access log.
 */
class ConnectionFateIT {

  /** An echo server whose listening socket can close while accepted connections stay open. */
  private static final class EchoServer implements AutoCloseable {
    final ServerSocket server;
    final List<Socket> accepted = new CopyOnWriteArrayList<>();

    EchoServer() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            Socket s = server.accept();
            accepted.add(s);
            Thread echo = new Thread(() -> {
              try (s) {
                s.getInputStream().transferTo(s.getOutputStream());
              } catch (IOException closed) {
                // the peer or the test closed it
              }
            });
            echo.setDaemon(true);
            echo.start();
          }
        } catch (IOException closed) {
          // stopListening() or close()
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    void stopListening() throws IOException {
      server.close();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(10_000);
    return s;
  }

  /** Writes one byte and expects it back. */
  private static void assertEchoes(Socket s) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write('x');
    out.flush();
    assertEquals('x', s.getInputStream().read(), "the connection still relays");
  }

  /** Waits (up to the socket timeout) for the proxy to close the connection. */
  private static void assertClosedByProxy(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    try {
      assertEquals(-1, in.read(), "end of stream");
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection was not closed", e);
    } catch (IOException reset) {
      // a reset is a close too
    }
  }

  @Test
  void onBackendDownClosesOrKeepsTheOpenConnections() throws Exception {
    try (EchoServer closing = new EchoServer();
        EchoServer keeping = new EchoServer();
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: a, bind: ["127.0.0.1:0"] }
              - { name: b, bind: ["127.0.0.1:0"] }
            routes:
              - name: closing
                listeners: [a]
                onBackendDown: close
                health: { kind: tcp, interval: 200ms, timeout: 100ms, fall: 1 }
                backends: [ { address: "127.0.0.1:%d" } ]
              - name: keeping
                listeners: [b]
                health: { kind: tcp, interval: 200ms, timeout: 100ms, fall: 1 }
                backends: [ { address: "127.0.0.1:%d" } ]
            """.formatted(closing.port(), keeping.port()));
        ClosedConnections closed = new ClosedConnections(node.vertx());
        Socket toClosing = connect(node.port("a"));
        Socket toKeeping = connect(node.port("b"))) {
      assertEchoes(toClosing);
      assertEchoes(toKeeping);
      closing.stopListening();
      keeping.stopListening();
      assertClosedByProxy(toClosing);
      ConnectionClosed c = closed.await(x -> "closing".equals(x.route()), Duration.ofSeconds(10));
      assertEquals("backend_down", c.closeReason());
      // The keeping route's backend is down too; its connection is left alone.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (node.state().routeTable().backends("keeping").get(0).isEligible() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(false, node.state().routeTable().backends("keeping").get(0).isEligible());
      assertEchoes(toKeeping);
    }
  }

  @Test
  void onRemoveKeepsClosesOrDrainsTheConnectionsOfAChangedRoute() throws Exception {
    try (EchoServer backend = new EchoServer(); EchoServer other = new EchoServer()) {
      String template = """
          admin: { listen: "127.0.0.1:0" }
          listeners:
            - { name: k, bind: ["127.0.0.1:0"] }
            - { name: c, bind: ["127.0.0.1:0"] }
            - { name: d, bind: ["127.0.0.1:0"] }
          routes:
            - { name: kept, listeners: [k], onRemove: keep, backends: [ { address: "127.0.0.1:%1$d" } ] }
            - { name: closed, listeners: [c], onRemove: close, backends: [ { address: "127.0.0.1:%1$d" } ] }
            - { name: drained, listeners: [d], onRemove: drain, timeouts: { drain: 1s }, backends: [ { address: "127.0.0.1:%1$d" } ] }
          """;
      try (L4muxTestNode node = L4muxTestNode.start(template.formatted(backend.port()));
          ClosedConnections closed = new ClosedConnections(node.vertx());
          Socket kept = connect(node.port("k"));
          Socket cut = connect(node.port("c"));
          Socket drained = connect(node.port("d"))) {
        assertEchoes(kept);
        assertEchoes(cut);
        assertEchoes(drained);
        long version = node.state().routeTable().version();
        node.rewriteConfig(template.formatted(other.port())); // every route changes its backend
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (node.state().routeTable().version() == version && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertClosedByProxy(cut);
        assertEquals("route_removed", closed.await(x -> "closed".equals(x.route()), Duration.ofSeconds(10)).closeReason());
        assertEchoes(drained); // until timeouts.drain has passed
        assertClosedByProxy(drained);
        assertEquals("route_drained", closed.await(x -> "drained".equals(x.route()), Duration.ofSeconds(10)).closeReason());
        assertEchoes(kept);
        // New connections on the changed routes reach the new backend, and are not drained.
        try (Socket fresh = connect(node.port("d"))) {
          assertEchoes(fresh);
          Thread.sleep(1_500);
          assertEchoes(fresh);
        }
        assertEquals(1, other.accepted.size());
      }
    }
  }

  @Test
  void maxLifetimeAndFirstResponseCloseOnTime() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try (EchoServer echo = new EchoServer()) {
      int silent = dev.l4mux.testsupport.TaggedBackends.sink(vertx).await(10, java.util.concurrent.TimeUnit.SECONDS).port();
      try (L4muxTestNode node = L4muxTestNode.start("""
              admin: { listen: "127.0.0.1:0" }
              listeners:
                - { name: life, bind: ["127.0.0.1:0"] }
                - { name: stuck, bind: ["127.0.0.1:0"] }
                - { name: answered, bind: ["127.0.0.1:0"] }
              routes:
                - { name: life, listeners: [life], timeouts: { maxLifetime: 1s }, backends: [ { address: "127.0.0.1:%1$d" } ] }
                - { name: stuck, listeners: [stuck], timeouts: { firstResponse: 500ms }, backends: [ { address: "127.0.0.1:%2$d" } ] }
                - { name: answered, listeners: [answered], timeouts: { firstResponse: 500ms }, backends: [ { address: "127.0.0.1:%1$d" } ] }
              """.formatted(echo.port(), silent));
          ClosedConnections closed = new ClosedConnections(node.vertx());
          Socket life = connect(node.port("life"));
          Socket stuck = connect(node.port("stuck"));
          Socket answered = connect(node.port("answered"))) {
        long start = System.nanoTime();
        assertEchoes(life);
        assertEchoes(answered);
        stuck.getOutputStream().write("hello?".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertClosedByProxy(stuck);
        ConnectionClosed c = closed.await(x -> "stuck".equals(x.route()), Duration.ofSeconds(10));
        assertEquals("no_response", c.closeReason());
        assertClosedByProxy(life);
        long lived = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        ConnectionClosed l = closed.await(x -> "life".equals(x.route()), Duration.ofSeconds(10));
        assertEquals("max_lifetime", l.closeReason());
        org.junit.jupiter.api.Assertions.assertTrue(l.durationMs() >= 1000 && lived < 5000, "closed after " + l.durationMs() + " ms");
        assertEchoes(answered); // the backend answered: firstResponse no longer applies
      }
    } finally {
      vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
