package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.bus.Addresses;
import dev.l4mux.observe.FlowEnded;
import dev.l4mux.observe.FlowsEnded;
import dev.l4mux.sniff.DatagramFixture;
import dev.l4mux.testsupport.UdpEchoBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * UDP listeners with real sockets on loopback: a plain UDP echo relayed both ways, a TCP and a UDP
 * listener on one port number, sanitization (a datagram of no route is dropped, counted and not
 * answered), the flow table's bound, idle expiry, the access log facts and {@code /api/flows}.
 */
class UdpRelayIT {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  void relaysDatagramsBothWaysAndLogsTheEndedFlow() throws Exception {
    try (UdpEchoBackend echo = UdpEchoBackend.start("echo-a");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: dns, bind: ["127.0.0.1:0"], transport: udp, timeouts: { udpIdle: 3s } }
            routes:
              - { name: echo, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(echo.port()))) {
      List<FlowEnded> ended = new CopyOnWriteArrayList<>();
      node.vertx().eventBus().<FlowsEnded>localConsumer(Addresses.FLOW_EVENTS, m -> ended.addAll(m.body().flows()));
      int port = node.port("dns");
      try (DatagramSocket client = client()) {
        for (int i = 0; i < 3; i++) {
          assertEquals("echo-a:ping-" + i, exchange(client, port, "ping-" + i));
        }
        JsonArray flows = new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows");
        assertEquals(1, flows.size(), flows.encode());
        JsonObject flow = flows.getJsonObject(0);
        assertEquals("echo", flow.getString("route"));
        assertEquals("127.0.0.1:" + client.getLocalPort(), flow.getString("client"));
        assertEquals(3, flow.getLong("datagramsUp"));
        assertEquals(3, flow.getLong("datagramsDown"));
        assertEquals(1, echo.peers().size(), "one backend socket for the flow");
        awaitTrue(() -> ended.size() == 1, Duration.ofSeconds(30));
        FlowEnded line = ended.get(0);
        assertEquals("idle", line.closeReason());
        assertEquals(3, line.datagramsUp());
        assertEquals(3, line.datagramsDown());
        assertEquals(3 * "ping-0".length(), line.bytesUp());
        assertEquals(3 * "echo-a:ping-0".length(), line.bytesDown());
        assertEquals("unknown", line.protocol());
        assertTrue(line.toJsonLine().contains("\"transport\":\"udp\""), line.toJsonLine());
        assertEquals(0, new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows").size());
        String metrics = node.admin("/metrics").body();
        assertEquals(0, MetricsText.sum(metrics, "l4mux_udp_flows_active"));
        assertEquals(3, MetricsText.sum(metrics, "l4mux_udp_datagrams_total", "direction=\"upstream\""));
        assertEquals(3, MetricsText.sum(metrics, "l4mux_udp_datagrams_total", "direction=\"downstream\""));
        assertEquals(1, MetricsText.sum(metrics, "l4mux_sniff_seconds_count", "listener=\"dns\"", "protocol=\"unknown\""),
            "the flow's sniff decision is timed, as a connection's");
        // After the idle end, the same client starts a new flow (a new backend socket).
        assertEquals("echo-a:again", exchange(client, port, "again"));
        assertEquals(2, echo.peers().size());
      }
    }
  }

  @Test
  void tcpAndUdpListenersShareAPortNumberAndRouteIndependently() throws Exception {
    int port = freeTcpAndUdpPort();
    try (UdpEchoBackend echo = UdpEchoBackend.start("udp-echo");
        ServerSocket tcpBackend = new ServerSocket(0, 50, LOOPBACK);
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: tcp-edge, bind: ["127.0.0.1:%d"] }
              - { name: udp-edge, bind: ["127.0.0.1:%d"], transport: udp }
            routes:
              - { name: tcp-route, listeners: [tcp-edge], backends: [ { address: "127.0.0.1:%d" } ] }
              - { name: udp-route, listeners: [udp-edge], backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(port, port, tcpBackend.getLocalPort(), echo.port()))) {
      assertEquals(port, node.port("tcp-edge"));
      assertEquals(port, node.port("udp-edge"));
      try (DatagramSocket client = client()) {
        assertEquals("udp-echo:over-udp", exchange(client, port, "over-udp"));
      }
      try (Socket tcp = new Socket(LOOPBACK, port); Socket accepted = tcpBackend.accept()) {
        tcp.getOutputStream().write("over-tcp".getBytes(StandardCharsets.US_ASCII));
        byte[] got = accepted.getInputStream().readNBytes(8);
        assertEquals("over-tcp", new String(got, StandardCharsets.US_ASCII));
      }
    }
  }

  @Test
  void wireGuardAndQuicOnOnePortGoToTheirOwnBackendsAndLaterDatagramsFollow() throws Exception {
    try (UdpEchoBackend wg = UdpEchoBackend.start("wg");
        UdpEchoBackend quic = UdpEchoBackend.start("quic");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: mux, bind: ["127.0.0.1:0"], transport: udp }
            routes:
              - { name: wireguard, match: { protocol: wireguard }, backends: [ { address: "127.0.0.1:%d" } ] }
              - { name: quic, match: { protocol: quic, sni: [example.com] }, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(wg.port(), quic.port()))) {
      int port = node.port("mux");
      // A real handshake initiation from wireguard-go and the RFC 9001 A.2 client Initial.
      byte[] initiation = DatagramFixture.named("wireguard/wireguard-go-initiation").datagrams().get(0);
      byte[] initial = DatagramFixture.named("quic/rfc9001-a2-client-initial").datagrams().get(0);
      try (DatagramSocket wgClient = client(); DatagramSocket quicClient = client()) {
        assertTrue(exchange(wgClient, port, initiation).startsWith("wg:"));
        assertTrue(exchange(quicClient, port, initial).startsWith("quic:"));
        // A WireGuard transport message (type 4) follows its flow without sniffing.
        byte[] transport = {4, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
        assertTrue(exchange(wgClient, port, transport).startsWith("wg:"));
      }
      assertEquals(1, wg.peers().size());
      assertEquals(1, quic.peers().size());
      JsonArray flows = new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows");
      assertEquals(List.of("wireguard", "quic"), flows.stream().map(f -> ((JsonObject) f).getString("protocol")).toList());
      assertEquals("example.com", flows.getJsonObject(1).getString("sni"));
      assertEquals("v1", flows.getJsonObject(1).getString("quicVersion"));
    }
  }

  @Test
  void datagramsOfNoRouteAreDroppedCountedAndNeverAnswered() throws Exception {
    try (UdpEchoBackend echo = UdpEchoBackend.start("quic-only");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: strict, bind: ["127.0.0.1:0"], transport: udp, fallback: reject }
            routes:
              - { name: quic, match: { protocol: quic }, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(echo.port()))) {
      int port = node.port("strict");
      try (DatagramSocket client = client()) {
        client.setSoTimeout(300);
        send(client, port, "not quic at all");
        send(client, port, "still not quic");
        assertThrows(SocketTimeoutException.class, () -> receive(client));
      }
      awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"no_route\"") == 2, Duration.ofSeconds(30));
      assertEquals(0, echo.peers().size(), "nothing reached the backend");
      assertEquals(0, node.state().udpFlows().size());
    }
  }

  @Test
  void theFlowTableStopsAtItsBoundCountsTheRestAndEmptiesWhenTheListenerGoes() throws Exception {
    int bound = 20;
    try (UdpEchoBackend echo = UdpEchoBackend.start("bounded");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            defaults: { limits: { maxUdpFlows: %d }, timeouts: { udpIdle: 10m } }
            listeners:
              - { name: flood, bind: ["127.0.0.1:0"], transport: udp }
            routes:
              - { name: echo, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(bound, echo.port()))) {
      int port = node.port("flood");
      List<DatagramSocket> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 3 * bound; i++) {
          DatagramSocket client = client();
          clients.add(client);
          send(client, port, "flow-" + i);
        }
        awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"flow_limit\"") == 2 * bound, Duration.ofSeconds(30));
        assertEquals(bound, node.state().udpFlows().size());
        awaitTrue(() -> echo.peers().size() == bound, Duration.ofSeconds(30));
        node.rewriteConfig("""
            admin: { listen: "127.0.0.1:0" }
            listeners: []
            """);
        awaitTrue(() -> node.state().udpFlows().size() == 0, Duration.ofSeconds(30));
        awaitTrue(() -> metric(node, "l4mux_udp_flows_active", "") == 0, Duration.ofSeconds(30));
      } finally {
        clients.forEach(DatagramSocket::close);
      }
    }
  }

  private static DatagramSocket client() throws IOException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
    socket.setSoTimeout(20_000); // generous: a loaded CI machine can stall a loop for seconds
    return socket;
  }

  private static void send(DatagramSocket client, int port, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    client.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress(LOOPBACK, port)));
  }

  private static String receive(DatagramSocket client) throws IOException {
    byte[] buffer = new byte[2048];
    DatagramPacket in = new DatagramPacket(buffer, buffer.length);
    client.receive(in);
    return new String(buffer, 0, in.getLength(), StandardCharsets.US_ASCII);
  }

  private static String exchange(DatagramSocket client, int port, String text) throws IOException {
    send(client, port, text);
    return receive(client);
  }

  private static String exchange(DatagramSocket client, int port, byte[] bytes) throws IOException {
    client.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress(LOOPBACK, port)));
    return receive(client);
  }

  private static double metric(L4muxTestNode node, String name, String label) {
    try {
      return label.isEmpty()
          ? MetricsText.sum(node.admin("/metrics").body(), name)
          : MetricsText.sum(node.admin("/metrics").body(), name, label);
    } catch (java.net.http.HttpTimeoutException busy) {
      return -1; // a loaded machine: asked again by awaitTrue
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void awaitTrue(BooleanSupplier condition, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + limit);
      }
      Thread.sleep(20);
    }
  }

  /** A port number free for both TCP and UDP on 127.0.0.1 a moment ago. */
  private static int freeTcpAndUdpPort() throws IOException {
    for (int attempt = 0; attempt < 20; attempt++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, LOOPBACK)) {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, tcp.getLocalPort()))) {
          return udp.getLocalPort();
        } catch (java.net.BindException taken) {
          // try another
        }
      }
    }
    throw new IllegalStateException("no port free for both TCP and UDP");
  }
}
