package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.Heap;
import dev.l4mux.testsupport.KernelBuffers;
import dev.l4mux.testsupport.NettyMemory;
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
   * (client send, proxy receive, proxy send, sink receive) at their autotuning maxima, read from
   * this kernel ({@code tcp_wmem} and {@code tcp_rmem}: 4 and 6 MiB on older kernels, the receive
   * side 32 MiB on newer ones, where a fixed 32 MiB bound failed now and then with 44 MB in
   * flight), plus the sink's own read queue and the proxy's write queue. Without backpressure the
   * whole 100 MB would be in flight.
   */
  private static final long MAX_IN_FLIGHT = KernelBuffers.loopbackPathMaximum(2) + 8L * 1024 * 1024;
  /**
   * What the proxy itself may hold at once (its buffers, from Netty's allocator, which the relayed
   * channels use): a 256 KiB read per direction and a 64 KiB write queue, with the allocator's
   * chunk granularity. Independent of the kernel, so it fails the same way everywhere when the
   * relay reads without waiting for the backend.
   */
  private static final long MAX_HELD_BY_PROXY = 16L * 1024 * 1024;

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
      long allocatedBefore = NettyMemory.used();
      long maxHeld = 0;
      writer.start();
      while (writer.isAlive()) {
        maxInFlight = Math.max(maxInFlight, sent.get() - slowSink.bytesReceived());
        maxHeld = Math.max(maxHeld, NettyMemory.used() - allocatedBefore);
        writer.join(20);
      }
      long held = maxHeld;
      System.out.printf("bulk upload: max in flight %s (bound %s), the proxy's buffers at most %s%n",
          Heap.mb(maxInFlight), Heap.mb(MAX_IN_FLIGHT), Heap.mb(held));
      assertTrue(held < MAX_HELD_BY_PROXY, () -> "the proxy's buffers reached " + Heap.mb(held) + ": backpressure did not hold");
      StreamDigest.Digest received = slowSink.firstStream().await(120, TimeUnit.SECONDS);
      assertEquals(SIZE, received.bytes());
      assertEquals(PseudoRandomBytes.sha256Hex(7, SIZE), received.sha256Hex());
    }
    assertTrue(MAX_IN_FLIGHT < SIZE, "this kernel's socket buffers could hold the whole upload: the bound tells nothing");
    assertTrue(maxInFlight < MAX_IN_FLIGHT, "bytes in flight reached " + maxInFlight + " (bound " + MAX_IN_FLIGHT
        + "): backpressure did not hold");
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
