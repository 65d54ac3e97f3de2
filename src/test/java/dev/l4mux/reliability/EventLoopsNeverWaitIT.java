package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.it.L4muxTestNode;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The mechanism behind the churn stall of issue 15: an event loop that blocks on a lock shared with
 * another thread stops every connection it carries for as long as the lock's holder is off the
 * cpu, a scheduler slice on a loaded machine, while the loop itself is idle. Under connection churn
 * on two event loops, with the cpus as busy as a benchmark keeps them, JFR records every contended
 * monitor enter and every park of the node's event-loop threads; there must be none.
 *
 * <p>Before the fix this caught two such locks on the per-connection path: the Vert.x worker task
 * queue that the access log's hand-over went through (shared with the worker pool), and the bins of
 * the metrics' meter caches ({@code ConcurrentHashMap.computeIfAbsent}, shared by the loops); and,
 * with limits and sticky_source, the {@code synchronized} token buckets, per-IP and affinity tables.
 */
@Tag("reliability")
@ExtendWith(QuietAccessLog.class)
class EventLoopsNeverWaitIT {

  private static final int LOOPS = 2;
  private static final int WARM_UP = 2_000;
  private static final int CONNECTIONS = 20_000;
  private static final int CLIENTS = 8;
  private static final int SOURCES = 200;
  private static final byte[] REQUEST =
      "GET /churn HTTP/1.1\r\nHost: echo.test\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @Test
  void eventLoopsNeverBlockOnALockUnderConnectionChurn() throws Exception {
    Vertx backends = Vertx.vertx();
    TaggedBackend echo = TaggedBackends.tcpEcho(backends, "echo").await(10, TimeUnit.SECONDS);
    try {
      assertNoWaitsOfTheLoops("""
          admin: { listen: "127.0.0.1:0" }
          listeners:
            - { name: edge, bind: ["127.0.0.1:0"], fallback: reject }
          routes:
            - name: web
              match: { protocol: http, host: ["echo.test"] }
              backends: [ { address: "127.0.0.1:%d" } ]
          """.formatted(echo.port()), 1, CONNECTIONS);
    } finally {
      backends.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The per-client state every loop shares (issue 12): listener and route limits with per-IP
   * counts, per-IP and scope rates in a per-IP table smaller than the sources, and sticky_source's
   * affinity table, from {@link #SOURCES} loopback addresses. None of it may make a loop wait. Before
   * these tables were lock-free, their {@code synchronized} sections did (see docs/performance.md).
   */
  @Test
  void eventLoopsNeverBlockOnALockInLimitsAndStickiness() throws Exception {
    Vertx backends = Vertx.vertx();
    TaggedBackend a = TaggedBackends.tcpEcho(backends, "a").await(10, TimeUnit.SECONDS);
    TaggedBackend b = TaggedBackends.tcpEcho(backends, "b").await(10, TimeUnit.SECONDS);
    String limits = "{ maxConnections: 100000, maxConnectionsPerIp: 1000, connectionRatePerIp: 1000000/s, connectionRate: 100000000/s }";
    try {
      assertNoWaitsOfTheLoops("""
          admin: { listen: "127.0.0.1:0" }
          defaults: { limits: { maxConnections: 100000, perIpTableSize: %d } }
          listeners:
            - { name: edge, bind: ["127.0.0.1:0"], fallback: reject, limits: %s }
          routes:
            - name: web
              match: { protocol: http, host: ["echo.test"] }
              backends: [ { address: "127.0.0.1:%d" }, { address: "127.0.0.1:%d" } ]
              balance: sticky_source
              sticky: { ttl: 10m }
              limits: %s
          """.formatted(SOURCES / 2, limits, a.port(), b.port(), limits), SOURCES, CONNECTIONS / 2);
    } finally {
      backends.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Starts a node of {@link #LOOPS} event loops on {@code config}, warms it up, then records its
   * loops' contended monitor enters and parks with JFR while {@code connections} churn through it
   * (from {@code sources} addresses 127.0.0.2 on) with every cpu kept busy; there must be none.
   */
  private static void assertNoWaitsOfTheLoops(String config, int sources, int connections) throws Exception {
    try (L4muxTestNode node = L4muxTestNode.start(config, new VertxOptions().setEventLoopPoolSize(LOOPS));
        Reliability.CloseReasons reasons = new Reliability.CloseReasons(node)) {
      InetSocketAddress edge = new InetSocketAddress(Reliability.loopback(), node.port("edge"));
      assertEquals(WARM_UP, churn(edge, sources, WARM_UP), "warm-up requests echoed"); // classes loaded, meters made
      Set<Long> loopThreads = eventLoopThreadIds(node.vertx());

      Path file = Files.createTempFile("l4mux-loops", ".jfr");
      int echoed;
      try (Recording recording = new Recording()) {
        recording.enable("jdk.JavaMonitorEnter").withThreshold(Duration.ZERO).withStackTrace();
        recording.enable("jdk.ThreadPark").withThreshold(Duration.ZERO).withStackTrace();
        recording.start();
        AtomicBoolean spin = new AtomicBoolean(true);
        List<Thread> burners = cpuBurners(spin); // a loaded machine: lock holders get preempted
        try {
          echoed = churn(edge, sources, connections);
        } finally {
          spin.set(false);
          for (Thread burner : burners) {
            burner.join();
          }
        }
        recording.stop();
        recording.dump(file);
      }
      assertEquals(connections, echoed, "every request came back through the relay");
      reasons.awaitTotal(WARM_UP + connections, Duration.ofSeconds(30));

      List<String> waits = new ArrayList<>();
      for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
        if (event.getThread() != null && loopThreads.contains(event.getThread().getJavaThreadId())) {
          waits.add(describe(event));
        }
      }
      Files.deleteIfExists(file);
      assertTrue(waits.isEmpty(), waits.size() + " waits of an event loop on a lock:\n" + String.join("\n", waits));
    }
  }

  /**
   * Request/response connections from {@link #CLIENTS} threads, each a new connection, the n-th
   * from 127.0.0.(2 + n % sources) when {@code sources > 1}; returns those echoed.
   */
  private static int churn(InetSocketAddress edge, int sources, int total) throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger echoed = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        clients.add(pool.submit(() -> {
          for (int n = next.getAndIncrement(); n < total; n = next.getAndIncrement()) {
            try (Socket s = new Socket()) {
              if (sources > 1) {
                s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + n % sources)}), 0));
              }
              s.setSoTimeout(10_000);
              s.connect(edge, 10_000);
              s.getOutputStream().write(REQUEST);
              if (Arrays.equals(REQUEST, s.getInputStream().readNBytes(REQUEST.length))) {
                echoed.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> client : clients) {
        client.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    return echoed.get();
  }

  private static Set<Long> eventLoopThreadIds(Vertx vertx) throws InterruptedException {
    Set<Long> ids = ConcurrentHashMap.newKeySet();
    List<EventExecutor> loops = new ArrayList<>();
    ((VertxInternal) vertx).nettyEventLoopGroup().forEach(loops::add);
    CountDownLatch seen = new CountDownLatch(loops.size());
    for (EventExecutor loop : loops) {
      loop.execute(() -> {
        ids.add(Thread.currentThread().getId());
        seen.countDown();
      });
    }
    assertTrue(seen.await(10, TimeUnit.SECONDS), "every event loop answered");
    assertEquals(LOOPS, ids.size(), "event loops of the node");
    return ids;
  }

  private static List<Thread> cpuBurners(AtomicBoolean spin) {
    List<Thread> burners = new ArrayList<>();
    for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
      Thread burner = new Thread(() -> {
        long x = 0;
        while (spin.get()) {
          x += System.nanoTime() % 7;
        }
        if (x == 42) {
          System.out.print(""); // keeps the loop from being optimised away
        }
      }, "cpu-burner-" + i);
      burner.setDaemon(true);
      burner.start();
      burners.add(burner);
    }
    return burners;
  }

  private static String describe(RecordedEvent event) {
    String frames = event.getStackTrace() == null ? "(no stack)"
        : event.getStackTrace().getFrames().stream().limit(12).map(EventLoopsNeverWaitIT::frame).collect(Collectors.joining("\n      "));
    String what = event.hasField("monitorClass") && event.getClass("monitorClass") != null
        ? "monitor " + event.getClass("monitorClass").getName()
        : event.hasField("parkedClass") && event.getClass("parkedClass") != null ? "park on " + event.getClass("parkedClass").getName() : "park";
    return "  " + event.getEventType().getName() + " " + what + " for " + event.getDuration().toNanos() / 1000 + " us on "
        + event.getThread().getJavaName() + "\n      " + frames;
  }

  private static String frame(RecordedFrame frame) {
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName() + ":" + frame.getLineNumber();
  }
}
