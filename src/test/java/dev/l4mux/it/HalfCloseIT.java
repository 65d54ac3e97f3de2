package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Half-close (RFC 9293 3.6): a client that shuts down its write side still receives the whole
 * response when its route has {@code halfClose: true}; otherwise the end closes both sides.
 */
class HalfCloseIT {

  /** Reads until end of stream, then answers with the byte count and closes. */
  private static ServerSocket countingBackend;
  private static Thread backendThread;
  private static L4muxTestNode node;

  @BeforeAll
  static void start() throws Exception {
    countingBackend = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    backendThread = new Thread(HalfCloseIT::serve, "counting-backend");
    backendThread.setDaemon(true);
    backendThread.start();
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - { name: half, bind: ["127.0.0.1:0"] }
          - { name: full, bind: ["127.0.0.1:0"] }
        routes:
          - name: half-close
            listeners: [half]
            halfClose: true
            backends: [ { address: "127.0.0.1:%1$d" } ]
          - name: close-both
            listeners: [full]
            backends: [ { address: "127.0.0.1:%1$d" } ]
        """.formatted(countingBackend.getLocalPort()));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    countingBackend.close();
  }

  private static void serve() {
    while (!countingBackend.isClosed()) {
      try (Socket s = countingBackend.accept()) {
        InputStream in = s.getInputStream();
        long n = in.transferTo(java.io.OutputStream.nullOutputStream());
        Thread.sleep(100); // answer a little after the FIN, like a real request/response server
        s.getOutputStream().write(("received " + n + "\n").getBytes(StandardCharsets.UTF_8));
      } catch (Exception e) {
        // next connection
      }
    }
  }

  @Test
  void halfClosedClientReceivesTheFullResponse() throws Exception {
    for (int size : new int[] {5, 3_000_000}) {
      try (Socket client = new Socket("127.0.0.1", node.port("half"))) {
        client.setSoTimeout(10_000);
        client.getOutputStream().write(new byte[size]);
        client.shutdownOutput();
        assertEquals("received " + size + "\n", readAll(client.getInputStream()));
      }
    }
    awaitNoOpenConnections();
  }

  @Test
  void withoutHalfCloseTheEndClosesBothSides() throws Exception {
    try (Socket client = new Socket("127.0.0.1", node.port("full"))) {
      client.setSoTimeout(10_000);
      client.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
      client.shutdownOutput();
      assertEquals("", readAll(client.getInputStream()), "closed without relaying the late response");
    }
    awaitNoOpenConnections();
  }

  private static String readAll(InputStream in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      in.transferTo(out);
    } catch (java.net.SocketException reset) {
      // a reset after the close is fine: what arrived before it is what counts
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static void awaitNoOpenConnections() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (node.state().connections().size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, node.state().connections().size());
  }
}
