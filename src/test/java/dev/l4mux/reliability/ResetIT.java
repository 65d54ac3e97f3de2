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
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Abrupt resets (SO_LINGER 0, then close) from the client and from the backend at random moments,
 * mixed with half-closes (RFC 9293 3.6) on routes with and without {@code halfClose}: no client
 * ever waits for a close that does not come, a half-closed client on a half-close route still gets
 * its whole answer, and the node and the backend are left with no connection.
 */
@Tag("reliability")
@ExtendWith(QuietAccessLog.class)
class ResetIT {

  private static final int ITERATIONS = 3_000;
  private static final int THREADS = 12;
  /** No scenario step waits longer than this; a read that does is a hung connection. */
  private static final int SO_TIMEOUT_MS = 15_000;
  private static final java.util.concurrent.atomic.AtomicLong SLOWEST_CLOSE_AFTER_BACKEND_RESET_MS =
      new java.util.concurrent.atomic.AtomicLong();

  enum Kind {
    CLIENT_RESET_WHILE_RELAYING,
    BACKEND_RESET_WHILE_CLIENT_WRITES,
    HALF_CLOSE_GETS_FULL_ANSWER,
    HALF_CLOSE_THEN_BACKEND_RESET,
    HALF_CLOSE_THEN_CLIENT_RESET_MID_ANSWER,
    CLIENT_RESET_WHILE_SNIFFING,
    HALF_CLOSE_WITHOUT_HALF_CLOSE_ROUTE_CLOSES_BOTH
  }

  /** Resets on close-both routes; half-closes without resets on half-close routes. */
  @Test
  void resetsAndHalfClosesAtRandomMomentsLeaveNothingBehind() throws Exception {
    mix(false);
  }

  /**
   * Resets on half-close routes too. Found: after a backend reset while the client's upload is
   * held by backpressure, or a client reset after its FIN while the backend answers, the relay
   * never finishes; the connection stays "relaying" until the idle timeout (default 1 h).
   */
  @Test
  void resetsOnHalfCloseRoutesLeaveNothingBehind() throws Exception {
    mix(true);
  }

  private void mix(boolean resetsOnHalfCloseRoutes) throws Exception {
    try (ModalBackend backend = new ModalBackend();
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            defaults:
              timeouts: { sniff: 2s, connect: 1s, idle: 60s } # longer than the final check waits
            listeners:
              - { name: half, bind: ["127.0.0.1:0"] }
              - { name: full, bind: ["127.0.0.1:0"] }
              - { name: sniff, bind: ["127.0.0.1:0"], fallback: reject }
            routes:
              - { name: half-close, listeners: [half], halfClose: true, backends: [ { address: "127.0.0.1:%1$d" } ] }
              - { name: close-both, listeners: [full], backends: [ { address: "127.0.0.1:%1$d" } ] }
              - name: web
                listeners: [sniff]
                match: { host: ["web.test"] }
                backends: [ { address: "127.0.0.1:%1$d" } ]
            """.formatted(backend.port()))) {
      long baseline = Heap.usedAfterGc();
      Map<String, InetSocketAddress> listeners = new ConcurrentHashMap<>();
      for (String name : List.of("half", "full", "sniff")) {
        listeners.put(name, new InetSocketAddress(Reliability.loopback(), node.port(name)));
      }
      int total = ITERATIONS * Reliability.scale();
      AtomicInteger next = new AtomicInteger();
      Map<Kind, LongAdder> done = new ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      List<Future<?>> workers = new ArrayList<>();
      long started = System.nanoTime();
      for (int t = 0; t < THREADS; t++) {
        long seed = 1000 + t;
        workers.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          for (int i; (i = next.getAndIncrement()) < total; ) {
            Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
            if (!resetsOnHalfCloseRoutes && (kind == Kind.HALF_CLOSE_THEN_BACKEND_RESET || kind == Kind.HALF_CLOSE_THEN_CLIENT_RESET_MID_ANSWER)) {
              kind = Kind.HALF_CLOSE_WITHOUT_HALF_CLOSE_ROUTE_CLOSES_BOTH;
            }
            try {
              run(kind, listeners, random, resetsOnHalfCloseRoutes);
            } catch (SocketTimeoutException hung) {
              throw new AssertionError(kind + ": no answer or close within " + SO_TIMEOUT_MS + " ms (iteration " + i + ")", hung);
            }
            done.computeIfAbsent(kind, k -> new LongAdder()).increment();
          }
          return null;
        }));
      }
      for (Future<?> w : workers) {
        w.get(5, TimeUnit.MINUTES);
      }
      pool.shutdown();
      System.out.printf("resets: %d scenarios in %d ms: %s; slowest close after a backend reset %d ms%n", total,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), new TreeMap<>(done),
          SLOWEST_CLOSE_AFTER_BACKEND_RESET_MS.get());
      Reliability.assertNothingAccumulated(node, baseline);
      backend.awaitIdle(Duration.ofSeconds(15));
    }
  }

  /**
   * Regression for the race the mix above found: the client sends its request and its FIN at once,
   * so the FIN arrives while l4mux is still routing or connecting the backend. The route allows
   * half-close, so the client must still get the whole answer.
   */
  @Test
  void finArrivingBeforeTheBackendIsConnectedStillGetsTheAnswer() throws Exception {
    try (ModalBackend backend = new ModalBackend();
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: half, bind: ["127.0.0.1:0"] }
            routes:
              - { name: half-close, halfClose: true, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(backend.port()))) {
      long baseline = Heap.usedAfterGc();
      InetSocketAddress half = new InetSocketAddress(Reliability.loopback(), node.port("half"));
      int lost = 0;
      int tries = 200;
      for (int i = 0; i < tries; i++) {
        try (Socket s = new Socket()) {
          s.connect(half, 5_000);
          s.setSoTimeout(SO_TIMEOUT_MS);
          byte[] request = ("answer-after-fin 0\n" + "x".repeat(i)).getBytes(StandardCharsets.US_ASCII);
          s.getOutputStream().write(request); // request and FIN back to back
          s.shutdownOutput();
          String answer = new String(Reliability.readToEnd(s), StandardCharsets.US_ASCII);
          if (!answer.equals("received " + i + "\n")) {
            lost++;
          }
        }
      }
      assertEquals(0, lost, lost + " of " + tries + " half-closed clients got no answer");
      Reliability.assertNothingAccumulated(node, baseline);
    }
  }

  /**
   * Found by the mix above: a client uploads more than the backend reads at once, then half-closes.
   * Its FIN must reach the backend only after every byte before it; the backend then answers with
   * the count it received.
   */
  @Test
  void halfClosedUploadThatMeetsBackpressureArrivesWhole() throws Exception {
    try (ModalBackend backend = new ModalBackend();
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: half, bind: ["127.0.0.1:0"] }
            routes:
              - { name: half-close, halfClose: true, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(backend.port()))) {
      long baseline = Heap.usedAfterGc();
      InetSocketAddress half = new InetSocketAddress(Reliability.loopback(), node.port("half"));
      List<String> wrong = new ArrayList<>();
      SplittableRandom random = new SplittableRandom(7);
      for (int i = 0; i < 60; i++) { // failed about 1 in 60 before the FIN became in-band
        int size = random.nextInt(1_000_000, 16_000_000);
        try (Socket s = new Socket()) {
          s.connect(half, 5_000);
          s.setSoTimeout(SO_TIMEOUT_MS);
          mode(s.getOutputStream(), "slow-answer-after-fin", 0);
          s.getOutputStream().write(new byte[size]);
          s.shutdownOutput();
          String answer = new String(Reliability.readToEnd(s), StandardCharsets.US_ASCII);
          if (!answer.equals("received " + size + "\n")) {
            wrong.add("sent " + size + ", backend " + answer.trim());
          }
        }
      }
      assertEquals(List.of(), wrong, "half-closed uploads that did not arrive whole");
      Reliability.assertNothingAccumulated(node, baseline);
    }
  }

  private static void run(Kind kind, Map<String, InetSocketAddress> listeners, SplittableRandom random,
      boolean resetsOnHalfCloseRoutes) throws IOException {
    String listener = switch (kind) {
      case HALF_CLOSE_GETS_FULL_ANSWER, HALF_CLOSE_THEN_BACKEND_RESET, HALF_CLOSE_THEN_CLIENT_RESET_MID_ANSWER -> "half";
      case HALF_CLOSE_WITHOUT_HALF_CLOSE_ROUTE_CLOSES_BOTH -> "full";
      case CLIENT_RESET_WHILE_SNIFFING -> "sniff";
      default -> resetsOnHalfCloseRoutes && random.nextBoolean() ? "half" : "full";
    };
    try (Socket s = new Socket()) {
      s.connect(listeners.get(listener), 5_000);
      s.setSoTimeout(SO_TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      switch (kind) {
        case CLIENT_RESET_WHILE_RELAYING -> {
          mode(out, "echo", 0);
          byte[] data = bytes(random, random.nextInt(1, 200_000));
          out.write(data);
          in.readNBytes(random.nextInt(0, data.length));
          pause(random);
          reset(s);
        }
        case BACKEND_RESET_WHILE_CLIENT_WRITES -> {
          mode(out, "reset-after", random.nextInt(0, 300_000));
          try {
            for (int i = 0; i < 100; i++) { // 6.4 MB: more than the backend reads before its reset
              out.write(bytes(random, 64 * 1024));
              in.skipNBytes(Math.min(in.available(), 64 * 1024));
            }
            // All of it fit in the kernel buffers: the close must still come.
            long waiting = System.nanoTime();
            drain(in);
            SLOWEST_CLOSE_AFTER_BACKEND_RESET_MS.accumulateAndGet(
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waiting), Math::max);
          } catch (SocketTimeoutException hung) {
            throw hung;
          } catch (IOException resetOrClosed) {
            // expected: the reset is passed on as a close
          }
        }
        case HALF_CLOSE_GETS_FULL_ANSWER -> {
          // Up to 4 MB: larger than the socket buffers, so some FINs meet backpressure.
          int size = random.nextInt(0, 4_000_000);
          mode(out, "answer-after-fin", 0);
          out.write(bytes(random, size));
          s.shutdownOutput();
          String answer = new String(Reliability.readToEnd(s), StandardCharsets.US_ASCII);
          assertEquals("received " + size + "\n", answer, "half-closed client gets the whole answer");
        }
        case HALF_CLOSE_THEN_BACKEND_RESET -> {
          mode(out, "reset-after-fin", 0);
          out.write(bytes(random, random.nextInt(0, 100_000)));
          s.shutdownOutput();
          drain(in);
        }
        case HALF_CLOSE_THEN_CLIENT_RESET_MID_ANSWER -> {
          mode(out, "big-answer-after-fin", 0);
          s.shutdownOutput();
          in.readNBytes(random.nextInt(0, 4_000_000));
          reset(s);
        }
        case CLIENT_RESET_WHILE_SNIFFING -> {
          byte[] head = "GET /reset HTTP/1.1\r\nHost: web.test\r\n".getBytes(StandardCharsets.US_ASCII);
          out.write(head, 0, random.nextInt(0, head.length));
          pause(random);
          reset(s);
        }
        case HALF_CLOSE_WITHOUT_HALF_CLOSE_ROUTE_CLOSES_BOTH -> {
          mode(out, "answer-after-fin", 0);
          out.write(bytes(random, random.nextInt(0, 50_000)));
          s.shutdownOutput();
          drain(in); // must end: the relay closes both sides on the client's FIN
        }
      }
    }
  }

  /** The first line tells the backend how to behave. */
  private static void mode(OutputStream out, String mode, int arg) throws IOException {
    out.write((mode + " " + arg + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  private static void drain(InputStream in) throws IOException {
    try {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (SocketTimeoutException hung) {
      throw hung;
    } catch (IOException reset) {
      // a reset ends it as well as a FIN
    }
  }

  private static void reset(Socket s) throws IOException {
    s.setSoLinger(true, 0);
    s.close();
  }

  private static void pause(SplittableRandom random) {
    if (random.nextInt(4) == 0) {
      try {
        Thread.sleep(random.nextInt(1, 20));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static byte[] bytes(SplittableRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** A blocking backend, one thread per connection, that does what the first line says. */
  private static final class ModalBackend implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 4096, Reliability.loopback());
    private final AtomicInteger active = new AtomicInteger();

    ModalBackend() throws IOException {
      Thread t = new Thread(this::serve, "modal-backend");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    void awaitIdle(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (active.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(0, active.get(), "backend connections l4mux never closed");
    }

    private void serve() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          active.incrementAndGet();
          Thread t = new Thread(() -> handle(s), "modal-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void handle(Socket s) {
      try (s) {
        s.setSoTimeout(60_000);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        String[] line = readLine(in).split(" ");
        switch (line[0]) {
          case "echo" -> in.transferTo(out);
          case "reset-after" -> {
            in.readNBytes(Integer.parseInt(line[1]));
            s.setSoLinger(true, 0);
          }
          case "answer-after-fin" -> {
            long n = in.transferTo(OutputStream.nullOutputStream());
            out.write(("received " + n + "\n").getBytes(StandardCharsets.US_ASCII));
          }
          case "slow-answer-after-fin" -> { // reads in small bites with pauses: the proxy must hold back
            byte[] bite = new byte[16 * 1024];
            long n = 0;
            int reads = 0;
            for (int r; (r = in.read(bite)) >= 0; ) {
              n += r;
              if (++reads % 64 == 0) {
                Thread.sleep(1);
              }
            }
            out.write(("received " + n + "\n").getBytes(StandardCharsets.US_ASCII));
          }
          case "reset-after-fin" -> {
            in.transferTo(OutputStream.nullOutputStream());
            s.setSoLinger(true, 0);
          }
          case "big-answer-after-fin" -> {
            in.transferTo(OutputStream.nullOutputStream());
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 128; i++) {
              out.write(chunk);
            }
          }
          default -> s.setSoLinger(true, 0); // not a mode line (cut-off sniffing): reset
        }
      } catch (IOException resetOrClosed) {
        // the scenarios reset on purpose
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        active.decrementAndGet();
      }
    }

    private static String readLine(InputStream in) throws IOException {
      StringBuilder b = new StringBuilder();
      for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
        b.append((char) c);
      }
      return b.toString();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
