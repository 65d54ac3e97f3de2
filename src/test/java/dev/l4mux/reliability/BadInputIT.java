package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.it.L4muxTestNode;
import dev.l4mux.testsupport.Heap;
import dev.l4mux.testsupport.SinkBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile first bytes, 100 clients at once (times the scale), each streaming up to 1 MB: an HTTP
 * request with headers far beyond {@code maxSniffBytes}, a ClientHello claiming a 16 MB length,
 * and binary garbage. Each connection is closed (or, for a routable request, relayed) within the
 * sniff timeout, and the proxy never buffers more than its sniff cap per connection.
 */
@Tag("reliability")
@ExtendWith(QuietAccessLog.class)
class BadInputIT {

  private static final int CLIENTS = 100;
  private static final int STREAM = 1024 * 1024;
  private static final long SNIFF_MS = 2_000;
  private static final long DECIDED_WITHIN_MS = SNIFF_MS + 2_000;

  @Test
  void oversizedHeadersHugeClientHelloAndGarbageAreBoundedInTimeAndMemory() throws Exception {
    Vertx backends = Vertx.vertx();
    SinkBackend sink = TaggedBackends.sink(backends).await(10, TimeUnit.SECONDS);
    try (L4muxTestNode node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        defaults:
          timeouts: { sniff: %dms, connect: 1s, idle: 10s }
          maxSniffBytes: 16384
        listeners:
          - { name: edge, bind: ["127.0.0.1:0"], fallback: reject }
        routes:
          - name: web
            match: { protocol: http, host: ["web.test"] }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(SNIFF_MS, sink.port()))) {
      long baseline = Heap.usedAfterGc();
      InetSocketAddress edge = new InetSocketAddress(Reliability.loopback(), node.port("edge"));

      long headers = closedWithin(edge, "oversized headers, no route",
          i -> header("nobody.test", STREAM));
      long hello = closedWithin(edge, "ClientHello claiming 16 MB", i -> {
        byte[] b = garbage(i, STREAM);
        // TLS record: handshake, TLS 1.0 record version, length 16384; handshake: client_hello, length 0xffffff
        byte[] head = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x03, 0x03};
        System.arraycopy(head, 0, b, 0, head.length);
        return b;
      });
      long garbage = closedWithin(edge, "binary garbage", i -> garbage(i, STREAM));

      // A routable request with oversized headers: relayed after the cap, the rest follows.
      long routedStart = System.nanoTime();
      int n = CLIENTS * Reliability.scale();
      int routedSize = 64 * 1024;
      List<Socket> routed = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Socket s = new Socket();
        s.connect(edge, 5_000);
        s.getOutputStream().write(header("web.test", routedSize));
        routed.add(s);
      }
      while (sink.bytesReceived() < (long) n * routedSize
          && System.nanoTime() - routedStart < TimeUnit.MILLISECONDS.toNanos(30_000)) {
        Thread.sleep(10);
      }
      long routedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - routedStart);
      long heapWhileOpen = Heap.usedAfterGc();
      routed.forEach(Reliability::quietly);

      System.out.printf("bad input: slowest close: oversized headers %d ms, 16 MB ClientHello %d ms, garbage %d ms; "
              + "%d oversized routable requests relayed in %d ms; heap %s -> %s while open%n",
          headers, hello, garbage, n, routedMs, Heap.mb(baseline), Heap.mb(heapWhileOpen));
      assertTrue(sink.bytesReceived() >= (long) n * routedSize, "the sink got " + sink.bytesReceived() + " bytes");
      assertTrue(routedMs < DECIDED_WITHIN_MS, "oversized routable requests took " + routedMs + " ms to be relayed");
      assertTrue(heapWhileOpen < baseline + Reliability.HEAP_MARGIN, "heap while open " + Heap.mb(heapWhileOpen));
      Reliability.assertNothingAccumulated(node, baseline);
    } finally {
      backends.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * {@link #CLIENTS} clients at once stream their input; each must see its connection closed
   * within {@link #DECIDED_WITHIN_MS}. Returns the slowest close, in ms.
   */
  private static long closedWithin(InetSocketAddress edge, String what, IntFunction<byte[]> input) throws Exception {
    int n = CLIENTS * Reliability.scale();
    ExecutorService pool = Executors.newFixedThreadPool(2 * n);
    try {
      List<Future<Long>> closes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] bytes = input.apply(i);
        closes.add(pool.submit(() -> {
          try (Socket s = new Socket()) {
            s.setSoTimeout(30_000);
            s.connect(edge, 5_000);
            long started = System.nanoTime();
            pool.submit(() -> write(s.getOutputStream(), bytes));
            Reliability.readToEnd(s);
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
          }
        }));
      }
      long slowest = 0;
      for (Future<Long> f : closes) {
        slowest = Math.max(slowest, f.get(60, TimeUnit.SECONDS));
      }
      assertTrue(slowest < DECIDED_WITHIN_MS, what + ": a connection stayed open " + slowest + " ms");
      return slowest;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Writes in 16 KB pieces until done or the proxy closes the connection. */
  private static Void write(OutputStream out, byte[] bytes) {
    try {
      for (int off = 0; off < bytes.length; off += 16 * 1024) {
        out.write(bytes, off, Math.min(16 * 1024, bytes.length - off));
      }
    } catch (IOException closedByTheProxy) {
      // expected once it has decided
    }
    return null;
  }

  private static byte[] header(String host, int size) {
    StringBuilder b = new StringBuilder("GET /big HTTP/1.1\r\nHost: " + host + "\r\n");
    while (b.length() < size - 4) {
      b.append("X-Filler: ").append("a".repeat(Math.min(4000, Math.max(0, size - 16 - b.length())))).append("\r\n");
    }
    b.append("\r\n");
    return b.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] garbage(int seed, int size) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }
}
