package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.it.L4muxTestNode;
import dev.l4mux.testsupport.Heap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Backends that hang: one accepts and never answers (the idle timeout must close the pair), one
 * answers and then stops reading while the client uploads 50 MB (backpressure must stall the
 * client: bytes in flight and heap stay bounded, and every byte arrives once it reads again).
 */
@Tag("reliability")
@ExtendWith(QuietAccessLog.class)
class StalledBackendIT {

  private static final long IDLE_MS = 1_000;
  private static final long UPLOAD = 50L * 1024 * 1024;
  private static final long STALL_MS = 3_000;
  /** Kernel buffers on both hops plus the proxy's write queue (as in BulkRelayIT). */
  private static final long MAX_IN_FLIGHT = 24L * 1024 * 1024;

  @Test
  void silentBackendIsClosedByTheIdleTimeout() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 1024, Reliability.loopback());
        L4muxTestNode node = L4muxTestNode.start(config(silent.getLocalPort()));
        Reliability.CloseReasons reasons = new Reliability.CloseReasons(node)) {
      Thread acceptor = daemon("silent-backend", () -> {
        while (!silent.isClosed()) {
          try {
            held.add(silent.accept()); // accepted, never read, never answered
          } catch (IOException closed) {
            return;
          }
        }
      });
      acceptor.start();
      long baseline = Heap.usedAfterGc();
      int n = 100 * Reliability.scale();
      InetSocketAddress edge = new InetSocketAddress(Reliability.loopback(), node.port("edge"));
      ExecutorService pool = Executors.newFixedThreadPool(n);
      List<Future<Long>> closes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        closes.add(pool.submit(() -> {
          try (Socket s = new Socket()) {
            s.setSoTimeout(30_000);
            s.connect(edge, 5_000);
            long started = System.nanoTime();
            s.getOutputStream().write("hello?\n".getBytes(StandardCharsets.US_ASCII));
            Reliability.readToEnd(s);
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
          }
        }));
      }
      long slowest = 0;
      for (Future<Long> f : closes) {
        long ms = f.get(60, TimeUnit.SECONDS);
        assertTrue(ms >= IDLE_MS - 50, "closed after " + ms + " ms, before the idle timeout");
        slowest = Math.max(slowest, ms);
      }
      pool.shutdown();
      System.out.printf("silent backend: %d connections idle-closed, slowest after %d ms; %s%n", n, slowest, reasons);
      assertTrue(slowest < IDLE_MS + 3_000, "slowest idle close after " + slowest + " ms");
      reasons.awaitTotal(n, Duration.ofSeconds(10));
      assertEquals(n, reasons.count("idle_timeout"), reasons.toString());
      Reliability.assertNothingAccumulated(node, baseline);
    } finally {
      held.forEach(Reliability::quietly);
    }
  }

  @Test
  void backendThatStopsReadingStallsTheUploadWithBoundedBytesInFlight() throws Exception {
    AtomicLong backendRead = new AtomicLong();
    try (ServerSocket stalling = new ServerSocket(0, 16, Reliability.loopback());
        L4muxTestNode node = L4muxTestNode.start(config(stalling.getLocalPort()).replace("idle: 1s", "idle: 30s"))) {
      long size = UPLOAD * Reliability.scale();
      Thread backend = daemon("stalling-backend", () -> {
        try (Socket s = stalling.accept()) {
          s.getOutputStream().write("ready\n".getBytes(StandardCharsets.US_ASCII));
          Thread.sleep(STALL_MS); // answered, now stops reading
          InputStream in = s.getInputStream();
          byte[] buf = new byte[64 * 1024];
          for (int r; (r = in.read(buf)) >= 0; ) {
            backendRead.addAndGet(r);
          }
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      backend.start();
      long baseline = Heap.usedAfterGc();
      AtomicLong written = new AtomicLong();
      long maxInFlight = 0;
      long heapDuringStall = -1;
      try (Socket client = new Socket()) {
        client.connect(new InetSocketAddress(Reliability.loopback(), node.port("edge")), 5_000);
        client.setSoTimeout(30_000);
        client.getOutputStream().write("upload\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("ready\n", new String(client.getInputStream().readNBytes(6), StandardCharsets.US_ASCII));
        long start = System.nanoTime();
        OutputStream out = client.getOutputStream();
        Thread writer = daemon("uploader", () -> {
          byte[] chunk = new byte[64 * 1024];
          try {
            for (long left = size; left > 0; left -= chunk.length) {
              out.write(chunk, 0, (int) Math.min(chunk.length, left));
              written.addAndGet(Math.min(chunk.length, left));
            }
            client.shutdownOutput();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
        writer.start();
        while (writer.isAlive() || backendRead.get() < size) {
          long inFlight = written.get() + "upload\n".length() - backendRead.get();
          maxInFlight = Math.max(maxInFlight, inFlight);
          if (heapDuringStall < 0 && System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(STALL_MS - 800)) {
            heapDuringStall = Heap.usedAfterGc();
          }
          assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(120), "upload did not finish");
          Thread.sleep(20);
        }
        backend.join(30_000);
      }
      System.out.printf("stalling backend: %d MB uploaded, max in flight %s, heap during stall %s (baseline %s)%n",
          size >> 20, Heap.mb(maxInFlight), Heap.mb(heapDuringStall), Heap.mb(baseline));
      assertEquals(size + "upload\n".length(), backendRead.get(), "every byte arrives once the backend reads again");
      assertTrue(maxInFlight < MAX_IN_FLIGHT, "bytes in flight reached " + Heap.mb(maxInFlight));
      assertTrue(heapDuringStall < baseline + Reliability.HEAP_MARGIN,
          "heap during the stall " + Heap.mb(heapDuringStall) + " vs baseline " + Heap.mb(baseline));
      Reliability.assertNothingAccumulated(node, baseline);
    }
  }

  private static String config(int backendPort) {
    return """
        admin: { listen: "127.0.0.1:0" }
        defaults:
          timeouts: { connect: 1s, idle: 1s }
        listeners:
          - { name: edge, bind: ["127.0.0.1:0"] }
        routes:
          - name: hanging
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(backendPort);
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }
}
