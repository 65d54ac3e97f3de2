package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.it.L4muxTestNode;
import dev.l4mux.it.MetricsText;
import dev.l4mux.testsupport.Heap;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.UnreachableBackend;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 500 concurrent clients (times the scale) routed to a backend whose connects hang (full accept
 * backlog: SYNs dropped) and then to one that refuses: each gets a 502 within the connect timeout
 * plus a margin, and no half-made backend connection is left behind.
 */
@Tag("reliability")
@ExtendWith(QuietAccessLog.class)
class UnreachableBackendIT {

  private static final int CONCURRENT = 500;
  private static final long CONNECT_TIMEOUT_MS = 500;
  /** Connect timeout plus scheduling of 500 simultaneous clients on two cores. */
  private static final long ANSWER_WITHIN_MS = CONNECT_TIMEOUT_MS + 4_000;

  @Test
  void hangingAndRefusingBackendsAnswer502InBoundedTime() throws Exception {
    int refusedPort = Ports.freePort(); // nothing listens there: connects get an RST
    try (UnreachableBackend dead = UnreachableBackend.start();
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            defaults:
              timeouts: { sniff: 2s, connect: %dms }
            listeners:
              - { name: edge, bind: ["127.0.0.1:0"], fallback: reject }
            routes:
              - name: dead
                match: { host: ["dead.test"] }
                backends: [ { address: "127.0.0.1:%d" } ]
              - name: refused
                match: { host: ["refused.test"] }
                backends: [ { address: "127.0.0.1:%d" } ]
            """.formatted(CONNECT_TIMEOUT_MS, dead.port(), refusedPort));
        Reliability.CloseReasons reasons = new Reliability.CloseReasons(node)) {
      long baseline = Heap.usedAfterGc();
      int n = CONCURRENT * Reliability.scale();
      InetSocketAddress edge = new InetSocketAddress(Reliability.loopback(), node.port("edge"));

      long deadMax = burst(edge, "dead.test", n);
      long refusedMax = burst(edge, "refused.test", n);

      reasons.awaitTotal(2L * n, Duration.ofSeconds(20));
      System.out.printf("unreachable: slowest 502 %d ms (hanging), %d ms (refused); reasons %s%n", deadMax, refusedMax, reasons);
      assertEquals(2L * n, reasons.count("backend_unavailable"), reasons.toString());
      String metrics = node.admin("/metrics").body();
      assertEquals(2.0 * n, MetricsText.sum(metrics, "l4mux_rejections_total", "reason=\"backend_unavailable\""));
      assertEquals(0.0, MetricsText.sum(metrics, "l4mux_backend_up", "route=\"dead\""), "the hanging backend is marked down");
      Reliability.assertNothingAccumulated(node, baseline);
    }
  }

  /** {@code n} clients at once ask for {@code host}; each must read a 502 and the close. Returns the slowest, in ms. */
  private static long burst(InetSocketAddress edge, String host, int n) throws Exception {
    byte[] request = ("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Long>> answers = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        answers.add(pool.submit(() -> {
          go.await();
          try (Socket s = new Socket()) {
            s.setSoTimeout(30_000);
            s.connect(edge, 10_000);
            long sent = System.nanoTime();
            s.getOutputStream().write(request);
            String answer = new String(Reliability.readToEnd(s), StandardCharsets.US_ASCII);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertTrue(answer.startsWith("HTTP/1.1 502 "), host + ": " + answer);
            return ms;
          }
        }));
      }
      go.countDown();
      long slowest = 0;
      for (Future<Long> a : answers) {
        slowest = Math.max(slowest, a.get(60, TimeUnit.SECONDS));
      }
      assertTrue(slowest < ANSWER_WITHIN_MS, host + ": slowest 502 after " + slowest + " ms");
      return slowest;
    } finally {
      pool.shutdownNow();
    }
  }
}
