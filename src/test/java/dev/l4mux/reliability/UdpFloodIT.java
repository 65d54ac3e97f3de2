package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.it.L4muxTestNode;
import dev.l4mux.it.MetricsText;
import dev.l4mux.testsupport.UdpEchoBackend;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A flood of 200,000 datagrams, each from a new socket (127.0.0.1-127.0.0.8, ephemeral ports) against a UDP listener bounded at 1,000 flows: the table never holds more than
 * its bound, every datagram past it is counted as a flow_limit drop, the heap after the flood is
 * no larger than when the table first filled (memory flat), and when the listener goes the flows end and the gauge
 * is back at 0. (Idle expiry is UdpRelayIT's; here udpIdle outlasts the flood.)
 */
@Tag("reliability")
@ExtendWith(QuietAccessLog.class)
class UdpFloodIT {

  private static final int SOURCES = 200_000;
  private static final int BOUND = 1_000;

  @Test
  void aFloodOfSourcePortsStaysAtTheBoundCountedAndEmptiesWhenIdle() throws Exception {
    try (UdpEchoBackend echo = UdpEchoBackend.start("flood");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            defaults: { limits: { maxUdpFlows: %d }, timeouts: { udpIdle: 10m } }
            listeners:
              - { name: flood, bind: ["127.0.0.1:0"], transport: udp }
            routes:
              - { name: echo, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(BOUND, echo.port()))) {
      InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), node.port("flood"));
      long pid = ProcessHandle.current().pid();
      byte[] payload = {1, 2, 3, 4};
      int sent = 0;
      int maxSeen = 0;
      long heapAtBound = -1;
      int sentAtBound = -1;
      for (int host = 1; sent < SOURCES; host++) {
        InetAddress source = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) host});
        for (int i = 0; i < SOURCES / 8 && sent < SOURCES; i++) {
          try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(source, 0))) {
            socket.send(new DatagramPacket(payload, payload.length, target));
            sent++;
          } catch (java.net.BindException exhausted) {
            break; // this source address ran out of ephemeral ports: next one
          }
          // Once the echo has seen BOUND flows' sockets the table is full and what it costs is paid;
          // the rest of the flood must add nothing. Looked for as the flood goes on, not waited for
          // at a fixed count: the kernel may drop datagrams (a full receive buffer) before l4mux
          // has seen BOUND sources, and then only more datagrams fill the table.
          if (heapAtBound < 0 && sent >= BOUND && sent % 100 == 0 && echo.peers().size() == BOUND) {
            heapAtBound = JvmHeap.usedAfterGc(pid);
            sentAtBound = sent;
          }
          if (sent % 10_000 == 0) {
            maxSeen = Math.max(maxSeen, node.state().udpFlows().size());
          }
        }
      }
      assertEquals(SOURCES, sent);
      int full = sentAtBound;
      assertTrue(full > 0 && full <= SOURCES / 2, () -> "the table was not full after half the flood (at " + full + "): "
          + node.state().udpFlows().size() + " flows, the echo saw " + echo.peers().size() + " sockets; " + drops(node));
      // The kernel may drop some (a full receive buffer): those never reached l4mux.
      awaitTrue(() -> limited(node) >= SOURCES / 2, Duration.ofSeconds(120));
      awaitTrue(() -> echo.peers().size() == BOUND, Duration.ofSeconds(120));
      assertTrue(maxSeen <= BOUND, "table held " + maxSeen);
      assertEquals(BOUND, node.state().udpFlows().size());
      // More than BOUND datagrams went upstream: the kernel hands a closed socket's port out again,
      // and a datagram from an address and port of an open flow belongs to that flow.
      assertEquals(BOUND, MetricsText.sum(node.admin("/metrics").body(), "l4mux_udp_flows_active"));
      long heapAfter = JvmHeap.usedAfterGc(pid);
      long grown = heapAfter - heapAtBound;
      assertTrue(grown < Reliability.HEAP_MARGIN, () -> "heap grew by " + (grown >> 20)
          + " MiB:\n" + JvmHeap.histogram(pid).lines().limit(14).collect(java.util.stream.Collectors.joining("\n")));
      node.rewriteConfig("""
          admin: { listen: "127.0.0.1:0" }
          listeners: []
          """);
      awaitTrue(() -> node.state().udpFlows().size() == 0, Duration.ofSeconds(120));
      assertEquals(0, MetricsText.sum(node.admin("/metrics").body(), "l4mux_udp_flows_active"));
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + limit);
      }
      Thread.sleep(50);
    }
  }

  /** Where datagrams were dropped, for a failure's message: l4mux's counters and the kernel's. */
  private static String drops(L4muxTestNode node) {
    StringBuilder why = new StringBuilder();
    try {
      node.admin("/metrics").body().lines()
          .filter(l -> l.startsWith("l4mux_udp_drops_total"))
          .forEach(l -> why.append(l).append("; "));
      // /proc/net/snmp: a "Udp:" line of names, then one of values (RcvbufErrors: full receive buffers).
      java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/snmp")).stream()
          .filter(l -> l.startsWith("Udp:")).forEach(l -> why.append(l).append("; "));
    } catch (Exception e) {
      why.append("(counters unavailable: ").append(e).append(')');
    }
    return why.toString();
  }

  /** The flow_limit drops so far, or -1 while the node is too busy to answer (a loaded machine). */
  private static double limited(L4muxTestNode node) {
    try {
      return MetricsText.sum(node.admin("/metrics").body(), "l4mux_udp_drops_total", "reason=\"flow_limit\"");
    } catch (java.net.http.HttpTimeoutException busy) {
      return -1;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
