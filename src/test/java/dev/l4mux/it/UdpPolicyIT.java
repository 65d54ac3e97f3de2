package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.UdpEchoBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Access lists and limits on UDP flows, with real datagram sockets bound to several loopback
 * source addresses (127.0.0.2 ... 127.0.0.8): each rule holds exactly at its threshold, a refused
 * flow's datagrams are dropped unanswered and counted with the reason (drops and rejections), and
 * a flow gives its slot back when it ends.
 */
class UdpPolicyIT {

  /** How long a refused datagram is waited for: nothing comes back, whatever the wait. */
  private static final int SILENCE_MS = 500;

  @Test
  void listenerLimitsHoldAtTheirThresholdPerSourceAndFreeTheSlotWhenAFlowEnds() throws Exception {
    try (UdpEchoBackend echo = UdpEchoBackend.start("echo");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: perip, bind: ["127.0.0.1:0"], transport: udp, limits: { maxConnectionsPerIp: 2 }, timeouts: { udpIdle: 2s } }
              - { name: rated, bind: ["127.0.0.1:0"], transport: udp, limits: { connectionRatePerIp: 3/m } }
              - { name: bounded, bind: ["127.0.0.1:0"], transport: udp, limits: { maxConnections: 2 } }
              - { name: flowrate, bind: ["127.0.0.1:0"], transport: udp, limits: { connectionRate: 2/m } }
            routes:
              - { name: echo, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(echo.port()))) {
      List<DatagramSocket> open = new ArrayList<>();
      try {
        // maxConnectionsPerIp 2: a third flow (another port) from 127.0.0.2 is refused; 127.0.0.3 has its own count.
        int perip = node.port("perip");
        for (int i = 0; i < 2; i++) {
          open.add(from("127.0.0.2"));
          assertEquals("echo:a" + i, exchange(open.get(i), perip, "a" + i));
        }
        try (DatagramSocket third = from("127.0.0.2")) {
          assertTrue(silent(third, perip, "a2"), "a third flow from 127.0.0.2 is dropped");
          UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"limit\"") == 1, Duration.ofSeconds(30));
          try (DatagramSocket other = from("127.0.0.3")) {
            assertEquals("echo:b", exchange(other, perip, "b"));
          }
          // The two flows from 127.0.0.2 end after udpIdle: their slots are free again.
          open.forEach(DatagramSocket::close);
          open.clear();
          UdpRelayIT.awaitTrue(() -> flowsFrom(node, "perip", "127.0.0.2") == 0, Duration.ofSeconds(30));
          assertEquals("echo:a3", exchange(third, perip, "a3"));
        }

        // connectionRatePerIp 3/m: three new flows from 127.0.0.4, the fourth refused; 127.0.0.5 still gets three.
        int rated = node.port("rated");
        for (String source : List.of("127.0.0.4", "127.0.0.5")) {
          for (int i = 0; i < 3; i++) {
            try (DatagramSocket s = from(source)) {
              assertEquals("echo:r" + i, exchange(s, rated, "r" + i), source + " #" + i);
            }
          }
          try (DatagramSocket s = from(source)) {
            assertTrue(silent(s, rated, "r3"), source + ": the fourth flow within a minute");
          }
        }
        UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"rate\"") == 2, Duration.ofSeconds(30));

        // The listener's maxConnections 2: open flows, from any source.
        int bounded = node.port("bounded");
        DatagramSocket first = from("127.0.0.6");
        DatagramSocket second = from("127.0.0.7");
        open.add(first);
        open.add(second);
        assertEquals("echo:m0", exchange(first, bounded, "m0"));
        assertEquals("echo:m1", exchange(second, bounded, "m1"));
        try (DatagramSocket s = from("127.0.0.8")) {
          assertTrue(silent(s, bounded, "m2"), "a third open flow on the listener");
        }
        UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"limit\"") == 2, Duration.ofSeconds(30));
        // Later datagrams of admitted flows pass: the limit counts flows, not datagrams.
        assertEquals("echo:m0-again", exchange(first, bounded, "m0-again"));

        // The listener's connectionRate 2/m: two new flows from any sources, the third refused.
        int flowrate = node.port("flowrate");
        for (String source : List.of("127.0.0.6", "127.0.0.7")) {
          try (DatagramSocket s = from(source)) {
            assertEquals("echo:" + source, exchange(s, flowrate, source));
          }
        }
        try (DatagramSocket s = from("127.0.0.8")) {
          assertTrue(silent(s, flowrate, "x"), "a third new flow within a minute");
        }
        UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"rate\"") == 3, Duration.ofSeconds(30));
        assertEquals(2, metric(node, "l4mux_rejections_total", "reason=\"limit\""));
        assertEquals(3, metric(node, "l4mux_rejections_total", "reason=\"rate\""));
      } finally {
        open.forEach(DatagramSocket::close);
      }
    }
  }

  @Test
  void accessListsOnListenersAndRoutesAndRouteLimitsRefuseFlowsWithTheirReason() throws Exception {
    try (UdpEchoBackend echo = UdpEchoBackend.start("echo");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - name: guarded
                bind: ["127.0.0.1:0"]
                transport: udp
                access: { allow: ["127.0.0.0/29"], deny: ["127.0.0.2"] }
            routes:
              - name: echo
                access: { deny: ["127.0.0.3/32"] }
                limits: { maxConnections: 2 }
                backends: [ { address: "127.0.0.1:%d" } ]
            """.formatted(echo.port()))) {
      int port = node.port("guarded");
      List<DatagramSocket> open = new ArrayList<>();
      try {
        try (DatagramSocket denied = from("127.0.0.2")) {
          assertTrue(silent(denied, port, "x"), "127.0.0.2 is denied by the listener");
          assertTrue(silent(denied, port, "y"), "each datagram from it is refused");
        }
        try (DatagramSocket outside = from("127.0.0.8")) {
          assertTrue(silent(outside, port, "x"), "127.0.0.8 is outside the listener's allow list");
        }
        try (DatagramSocket routeDenied = from("127.0.0.3")) {
          assertTrue(silent(routeDenied, port, "x"), "127.0.0.3 is denied by the route");
        }
        UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"denied\"") == 4, Duration.ofSeconds(30));
        assertEquals(4, metric(node, "l4mux_rejections_total", "reason=\"denied\""));
        // The route's maxConnections 2: exactly two flows, the third refused after its route was decided.
        for (String source : List.of("127.0.0.4", "127.0.0.5")) {
          DatagramSocket s = from(source);
          open.add(s);
          assertEquals("echo:" + source, exchange(s, port, source));
        }
        try (DatagramSocket third = from("127.0.0.6")) {
          assertTrue(silent(third, port, "x"), "a third flow on the route");
        }
        UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"limit\"") == 1, Duration.ofSeconds(30));
        assertEquals(2, echo.peers().size(), "only the two admitted flows reached the backend");
        assertEquals(2, new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows").size());
      } finally {
        open.forEach(DatagramSocket::close);
      }
    }
  }

  static DatagramSocket from(String source) throws IOException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(source), 0));
    socket.setSoTimeout(20_000); // generous: a loaded machine can stall a loop for seconds
    return socket;
  }

  static void send(DatagramSocket client, int port, byte[] bytes) throws IOException {
    client.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
  }

  static byte[] receive(DatagramSocket client) throws IOException {
    byte[] buffer = new byte[65_535];
    DatagramPacket in = new DatagramPacket(buffer, buffer.length);
    client.receive(in);
    return java.util.Arrays.copyOf(buffer, in.getLength());
  }

  static String exchange(DatagramSocket client, int port, String text) throws IOException {
    send(client, port, text.getBytes(StandardCharsets.US_ASCII));
    return new String(receive(client), StandardCharsets.US_ASCII);
  }

  /** True when nothing answers {@code text} (the datagram was dropped). */
  static boolean silent(DatagramSocket client, int port, String text) throws IOException {
    int before = client.getSoTimeout();
    client.setSoTimeout(SILENCE_MS);
    try {
      send(client, port, text.getBytes(StandardCharsets.US_ASCII));
      receive(client);
      return false;
    } catch (SocketTimeoutException expected) {
      return true;
    } finally {
      client.setSoTimeout(before);
    }
  }

  static long flowsFrom(L4muxTestNode node, String listener, String host) {
    try {
      JsonArray flows = new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows");
      return flows.stream().map(JsonObject.class::cast)
          .filter(f -> listener.equals(f.getString("listener")) && f.getString("client").startsWith(host + ":"))
          .count();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static double metric(L4muxTestNode node, String name, String label) {
    try {
      return MetricsText.sum(node.admin("/metrics").body(), name, label);
    } catch (IOException busy) {
      return -1; // a loaded machine: asked again by awaitTrue
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
