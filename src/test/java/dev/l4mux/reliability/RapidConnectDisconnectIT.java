package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.l4mux.it.L4muxTestNode;
import dev.l4mux.testsupport.Heap;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 20,000 connections (times the scale) opened and closed as fast as 16 client threads can: a
 * third close before sending a byte, a third close in the middle of a real ClientHello, a third
 * close after a full request was routed and answered. Nothing may stay behind.
 */
@Tag("reliability")
@ExtendWith(QuietAccessLog.class)
class RapidConnectDisconnectIT {

  private static final int CONNECTIONS = 20_000;
  private static final int THREADS = 16;
  private static final byte[] REQUEST =
      "GET /rapid HTTP/1.1\r\nHost: echo.test\r\nUser-Agent: rapid\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @Test
  void twentyThousandShortConnectionsLeaveNothingBehind() throws Exception {
    Vertx backends = Vertx.vertx();
    TaggedBackend echo = TaggedBackends.tcpEcho(backends, "echo").await(10, TimeUnit.SECONDS);
    byte[] hello = Reliability.realClientHello();
    try (L4muxTestNode node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        defaults:
          timeouts: { sniff: 2s, connect: 1s }
        listeners:
          - { name: edge, bind: ["127.0.0.1:0"], fallback: reject }
        routes:
          - name: web
            match: { protocol: http, host: ["echo.test"] }
            backends: [ { address: "127.0.0.1:%1$d" } ]
          - name: tls
            match: { protocol: tls, sni: ["a.example.com"] }
            backends: [ { address: "127.0.0.1:%1$d" } ]
        """.formatted(echo.port()));
        Reliability.CloseReasons reasons = new Reliability.CloseReasons(node)) {
      long baseline = Heap.usedAfterGc();
      InetSocketAddress edge = new InetSocketAddress(Reliability.loopback(), node.port("edge"));
      int total = CONNECTIONS * Reliability.scale();
      AtomicInteger next = new AtomicInteger();
      AtomicInteger echoed = new AtomicInteger();
      AtomicInteger routedKind = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      long started = System.nanoTime();
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        long seed = t;
        workers.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          for (int i; (i = next.getAndIncrement()) < total; ) {
            try (Socket s = new Socket()) {
              s.setSoTimeout(10_000);
              s.connect(edge, 10_000);
              switch (i % 3) {
                case 0 -> { } // close before sending a byte
                case 1 -> { // a real ClientHello cut somewhere inside, then close
                  s.getOutputStream().write(hello, 0, 1 + random.nextInt(hello.length - 1));
                }
                default -> {
                  routedKind.incrementAndGet();
                  s.getOutputStream().write(REQUEST);
                  byte[] back = s.getInputStream().readNBytes(REQUEST.length);
                  if (Arrays.equals(REQUEST, back)) {
                    echoed.incrementAndGet();
                  }
                }
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> w : workers) {
        w.get(5, TimeUnit.MINUTES);
      }
      pool.shutdown();
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

      reasons.awaitTotal(total, Duration.ofSeconds(30));
      System.out.printf("rapid: %d connections in %d ms (%.0f/s), close reasons %s%n",
          total, elapsedMs, total * 1000.0 / elapsedMs, reasons);
      assertEquals(routedKind.get(), echoed.get(), "every routed request came back through the relay");
      Reliability.assertNothingAccumulated(node, baseline);
    } finally {
      backends.close().await(10, TimeUnit.SECONDS);
    }
  }
}
