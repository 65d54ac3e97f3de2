package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.bus.Addresses;
import dev.l4mux.it.L4muxTestNode;
import dev.l4mux.observe.ConnectionsClosed;
import dev.l4mux.testsupport.Heap;
import io.vertx.core.eventbus.MessageConsumer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every reliability scenario shares: the scale factor, the final "nothing accumulated"
 * check, close-reason counting and a real ClientHello.
 */
final class Reliability {

  /** Heap after GC may exceed the scenario's baseline by this much (Netty pools, JIT, caches). */
  static final long HEAP_MARGIN = 32L * 1024 * 1024;
  static final Duration DRAIN_WAIT = Duration.ofSeconds(20);

  private Reliability() {}

  /** {@code -Dl4mux.reliability.scale=N} multiplies counts and sizes (soak runs); default 1. */
  static int scale() {
    return Math.max(1, Integer.getInteger("l4mux.reliability.scale", 1));
  }

  static InetAddress loopback() {
    return InetAddress.getLoopbackAddress();
  }

  /**
   * The scenario's end: within {@link #DRAIN_WAIT} no connection is left ({@link
   * L4muxTestNode#assertNoConnectionLeft}); then the heap after GC is back within
   * {@link #HEAP_MARGIN} of {@code heapBaseline}.
   */
  static void assertNothingAccumulated(L4muxTestNode node, long heapBaseline) throws Exception {
    node.assertNoConnectionLeft(DRAIN_WAIT);
    long heap = Heap.usedAfterGc();
    assertTrue(heap < heapBaseline + HEAP_MARGIN,
        "heap after GC " + Heap.mb(heap) + " is not back near its baseline " + Heap.mb(heapBaseline));
  }

  /** Counts the node's closed connections by close reason (as the access log sees them). */
  static final class CloseReasons implements AutoCloseable {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final MessageConsumer<ConnectionsClosed> consumer;

    CloseReasons(L4muxTestNode node) throws Exception {
      consumer = node.vertx().eventBus().<ConnectionsClosed>localConsumer(Addresses.CONNECTION_EVENTS)
          .handler(m -> m.body().connections().forEach(c -> counts.computeIfAbsent(c.closeReason(), k -> new LongAdder()).increment()));
      consumer.completion().await(5, TimeUnit.SECONDS);
    }

    long total() {
      return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long count(String reason) {
      LongAdder a = counts.get(reason);
      return a == null ? 0 : a.sum();
    }

    /** Waits until at least {@code n} connections were reported closed. */
    void awaitTotal(long n, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (total() < n && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(total() >= n, "only " + total() + " of " + n + " connections reported closed: " + this);
    }

    @Override
    public String toString() {
      return new java.util.TreeMap<>(counts).toString();
    }

    @Override
    public void close() {
      consumer.unregister();
    }
  }

  /** A ClientHello captured from {@code openssl s_client -servername a.example.com -alpn h2,http/1.1}. */
  static byte[] realClientHello() {
    try (InputStream in = Reliability.class.getResourceAsStream("/fixtures/tls/openssl-tls13-sni-alpn.hex")) {
      String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      String hex = text.lines().filter(l -> !l.startsWith("#")).reduce("", String::concat).replaceAll("\\s", "");
      return HexFormat.of().parseHex(hex);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads until end of stream or reset; returns what arrived (never throws on a reset). */
  static byte[] readToEnd(Socket socket) {
    byte[] all = new byte[0];
    byte[] buf = new byte[8192];
    try {
      InputStream in = socket.getInputStream();
      for (int n; (n = in.read(buf)) >= 0; ) {
        int old = all.length;
        all = Arrays.copyOf(all, old + n);
        System.arraycopy(buf, 0, all, old, n);
      }
    } catch (IOException resetOrTimeout) {
      // what arrived before it is what counts
    }
    return all;
  }

  /** The p-th percentile (0..100) of {@code values}, which it sorts. */
  static long percentile(long[] values, double p) {
    Arrays.sort(values);
    int index = (int) Math.ceil(p / 100.0 * values.length) - 1;
    return values[Math.max(0, Math.min(values.length - 1, index))];
  }

  static void quietly(AutoCloseable c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (Exception ignored) {
      // cleanup
    }
  }
}
