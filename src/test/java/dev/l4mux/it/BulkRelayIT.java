package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.Heap;
import dev.l4mux.testsupport.PseudoRandomBytes;
import dev.l4mux.testsupport.SinkBackend;
import dev.l4mux.testsupport.SourceBackend;
import dev.l4mux.testsupport.StreamDigest;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 100 MB each way through the proxy, compared by SHA-256 at both ends, with a deliberately slow
 * reader: backpressure must stall the fast writer (the bytes in flight stay bounded) instead of
 * buffering the difference in the proxy.
 */
class BulkRelayIT {

  private static final long SIZE = 100L * 1024 * 1024;
  /**
   * What may legitimately sit between the writer and the slow reader: four kernel socket buffers
   * (client send, proxy receive, proxy send, sink receive; loopback autotuning takes each to 4-6
   * MB), the sink's own read queue, and the proxy's write queue (64 KB). Without backpressure the
   * whole 100 MB would be in flight.
   */
  private static final long MAX_IN_FLIGHT = 32L * 1024 * 1024;

  private static Vertx backends;
  private static SinkBackend slowSink;
  private static SourceBackend source;
  private static L4muxTestNode node;

  @BeforeAll
  static void start() throws Exception {
    backends = Vertx.vertx();
    slowSink = TaggedBackends.sink(backends, 512 * 1024).await(10, TimeUnit.SECONDS); // ~50 MB/s
    source = TaggedBackends.source(backends, SIZE, 42).await(10, TimeUnit.SECONDS);
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - { name: up, bind: ["127.0.0.1:0"] }
          - { name: down, bind: ["127.0.0.1:0"] }
        routes:
          - name: to-sink          # sniffed (binary: protocol unknown), then the prefix is replayed
            listeners: [up]
            match: { protocol: unknown }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: from-source      # catch-all: connects at once, the server speaks first
            listeners: [down]
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(slowSink.port(), source.port()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    backends.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void uploadsToASlowReaderWithBoundedBytesInFlight() throws Exception {
    long heapBefore = Heap.usedAfterGc();
    AtomicLong sent = new AtomicLong();
    long maxInFlight = 0;
    try (Socket socket = new Socket("127.0.0.1", node.port("up"))) {
      OutputStream out = socket.getOutputStream();
      Thread writer = new Thread(() -> {
        try {
          PseudoRandomBytes bytes = new PseudoRandomBytes(7, SIZE);
          while (bytes.hasNext()) {
            byte[] chunk = bytes.next();
            out.write(chunk);
            sent.addAndGet(chunk.length);
          }
          socket.shutdownOutput();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "bulk-writer");
      writer.start();
      while (writer.isAlive()) {
        maxInFlight = Math.max(maxInFlight, sent.get() - slowSink.bytesReceived());
        writer.join(20);
      }
      StreamDigest.Digest received = slowSink.firstStream().await(120, TimeUnit.SECONDS);
      assertEquals(SIZE, received.bytes());
      assertEquals(PseudoRandomBytes.sha256Hex(7, SIZE), received.sha256Hex());
    }
    assertTrue(maxInFlight < MAX_IN_FLIGHT, "bytes in flight reached " + maxInFlight + ": backpressure did not hold");
    long heapGrowth = Heap.usedAfterGc() - heapBefore;
    assertTrue(heapGrowth < 32L * 1024 * 1024, "heap grew by " + Heap.mb(heapGrowth));
    awaitNoOpenConnections();
  }

  @Test
  void downloadsToASlowReaderIntact() throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long total = 0;
    try (Socket socket = new Socket("127.0.0.1", node.port("down"))) {
      socket.setReceiveBufferSize(64 * 1024);
      InputStream in = socket.getInputStream();
      byte[] chunk = new byte[64 * 1024];
      long slowUntil = 8L * 1024 * 1024; // read the first 8 MB slowly: the source must wait
      for (int n; (n = in.read(chunk)) > 0; ) {
        sha.update(chunk, 0, n);
        total += n;
        if (total < slowUntil) {
          Thread.sleep(1);
        }
      }
    }
    assertEquals(SIZE, total);
    assertEquals(source.sha256Hex(), HexFormat.of().formatHex(sha.digest()));
    awaitNoOpenConnections();
  }

  private static void awaitNoOpenConnections() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (node.state().connections().size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, node.state().connections().size());
    assertEquals(0.0, node.activeConnectionsMetric());
  }
}
