package dev.l4mux.it;

import static dev.l4mux.it.UdpPolicyIT.exchange;
import static dev.l4mux.it.UdpPolicyIT.from;
import static dev.l4mux.it.UdpPolicyIT.metric;
import static dev.l4mux.it.UdpPolicyIT.receive;
import static dev.l4mux.it.UdpPolicyIT.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.bus.Addresses;
import dev.l4mux.observe.FlowEnded;
import dev.l4mux.observe.FlowsEnded;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import dev.l4mux.sniff.proxy.ProxyTlv;
import dev.l4mux.testsupport.UdpEchoBackend;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * PROXY v2 over UDP with real datagram sockets on loopback: a trusted peer's DGRAM header on a
 * flow's first datagram gives the real client (routing by source, access, per-IP limits,
 * {@code /api/flows}, the access log); v1 and STREAM headers are refused; an untrusted peer's
 * header is not honoured; a route sends a v2 DGRAM header on the first or on every datagram (read
 * back through a tagging echo backend and checked with {@link ProxyHeaderParser}); and a chain of
 * two nodes carries the client through. The real clients are documentation addresses
 * (203.0.113.0/24), inside headers only.
 */
class UdpProxyProtocolIT {

  private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

  /** A v2 header built by hand (doc/proxy-protocol.txt 2.2): 0x21 = v2 PROXY, then the family/protocol byte. */
  private static byte[] header(int familyProtocol, String source, int sourcePort) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(SIGNATURE);
    out.write(0x21);
    out.write(familyProtocol);
    out.write(0);
    out.write(12);
    out.writeBytes(InetAddress.getByName(source).getAddress());
    out.writeBytes(InetAddress.getByName("203.0.113.1").getAddress());
    out.write(sourcePort >> 8);
    out.write(sourcePort & 0xFF);
    out.write(443 >> 8);
    out.write(443 & 0xFF);
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, String text) {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String exchange(DatagramSocket client, int port, byte[] bytes) throws Exception {
    send(client, port, bytes);
    return new String(receive(client), StandardCharsets.ISO_8859_1);
  }

  private static boolean silent(DatagramSocket client, int port, byte[] bytes) throws Exception {
    client.setSoTimeout(500);
    try {
      send(client, port, bytes);
      receive(client);
      return false;
    } catch (java.net.SocketTimeoutException expected) {
      return true;
    } finally {
      client.setSoTimeout(20_000);
    }
  }

  @Test
  void aTrustedPeersHeaderGivesTheRealClientToRoutingAccessLimitsAndTheFlowList() throws Exception {
    try (UdpEchoBackend doc = UdpEchoBackend.start("doc");
        UdpEchoBackend other = UdpEchoBackend.start("other");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - name: inner
                bind: ["127.0.0.1:0"]
                transport: udp
                proxyProtocol: { trusted: ["127.0.0.2/32"], required: true }
                access: { deny: ["203.0.113.9"] }
                limits: { maxConnectionsPerIp: 1 }
              - name: open
                bind: ["127.0.0.1:0"]
                transport: udp
                proxyProtocol: { trusted: ["127.0.0.2/32"] }
            routes:
              - { name: doc, match: { source: ["203.0.113.0/24"] }, backends: [ { address: "127.0.0.1:%d" } ] }
              - { name: other, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(doc.port(), other.port()))) {
      int port = node.port("inner");
      try (DatagramSocket proxy = from("127.0.0.2"); DatagramSocket sameClient = from("127.0.0.2");
          DatagramSocket nextClient = from("127.0.0.2")) {
        byte[] h = header(0x12, "203.0.113.7", 51_000);
        // The header is read and stripped; match.source sees 203.0.113.7.
        assertEquals("doc:ping", exchange(proxy, port, concat(h, "ping")));
        // Later datagrams of the flow without a header follow it (first-datagram senders)...
        assertEquals("doc:more", exchange(proxy, port, "more".getBytes(StandardCharsets.US_ASCII)));
        // ... and with the same header, stripped (every-datagram senders).
        assertEquals("doc:again", exchange(proxy, port, concat(h, "again")));
        JsonArray flows = new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows");
        JsonObject flow = flows.getJsonObject(0);
        assertEquals("203.0.113.7:51000", flow.getString("realClient"));
        assertEquals("127.0.0.2:" + proxy.getLocalPort(), flow.getString("client"));
        // A header naming another client inside this flow is dropped.
        assertTrue(silent(proxy, port, concat(header(0x12, "203.0.113.8", 51_000), "hijack")));
        UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"bad_proxy_header\"") == 1, Duration.ofSeconds(30));

        // maxConnectionsPerIp 1 counts the real client: another flow for 203.0.113.7 is refused, 203.0.113.8 is not.
        assertTrue(silent(sameClient, port, concat(header(0x12, "203.0.113.7", 51_001), "second")));
        UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"limit\"") == 1, Duration.ofSeconds(30));
        assertEquals("doc:third", exchange(nextClient, port, concat(header(0x12, "203.0.113.8", 51_000), "third")));
      }
      try (DatagramSocket proxy = from("127.0.0.2")) {
        // The listener's access list denies the real client 203.0.113.9.
        assertTrue(silent(proxy, port, concat(header(0x12, "203.0.113.9", 51_000), "denied")));
        UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"denied\"") == 1, Duration.ofSeconds(30));
      }
      try (DatagramSocket proxy = from("127.0.0.2")) {
        // required: a first datagram without a header is refused.
        assertTrue(silent(proxy, port, "no header".getBytes(StandardCharsets.US_ASCII)));
      }
      try (DatagramSocket v1 = from("127.0.0.2"); DatagramSocket stream = from("127.0.0.2")) {
        byte[] text = "PROXY TCP4 203.0.113.7 203.0.113.1 51000 443\r\nping".getBytes(StandardCharsets.US_ASCII);
        assertTrue(silent(v1, port, text), "a v1 header on UDP");
        assertTrue(silent(stream, port, concat(header(0x11, "203.0.113.7", 51_000), "ping")), "a STREAM header on UDP");
      }
      UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"bad_proxy_header\"") == 4, Duration.ofSeconds(30));
      assertEquals(3, metric(node, "l4mux_proxy_headers_total", "result=\"invalid\""));
      assertEquals(0, other.peers().size(), "no refused or stripped datagram reached the other route");

      // Not required: a trusted peer without a header is served with its own address.
      try (DatagramSocket direct = from("127.0.0.2")) {
        assertEquals("other:plain", exchange(direct, node.port("open"), "plain".getBytes(StandardCharsets.US_ASCII)));
      }
      assertEquals(1, metric(node, "l4mux_proxy_headers_total", "result=\"missing\""));
    }
  }

  @Test
  void anUntrustedPeersHeaderIsNotHonoured() throws Exception {
    try (UdpEchoBackend doc = UdpEchoBackend.start("doc");
        UdpEchoBackend other = UdpEchoBackend.start("other");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: inner, bind: ["127.0.0.1:0"], transport: udp, proxyProtocol: { trusted: ["127.0.0.2/32"] } }
            routes:
              - { name: doc, match: { source: ["203.0.113.0/24"] }, backends: [ { address: "127.0.0.1:%d" } ] }
              - { name: other, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(doc.port(), other.port()))) {
      byte[] forged = concat(header(0x12, "203.0.113.7", 51_000), "ping");
      try (DatagramSocket untrusted = from("127.0.0.3")) {
        String reply = exchange(untrusted, node.port("inner"), forged);
        // Routed by its own address, the header left in the payload for the backend to see.
        assertEquals("other:" + new String(forged, StandardCharsets.ISO_8859_1), reply);
      }
      assertEquals(0, doc.peers().size());
      assertEquals(1, metric(node, "l4mux_proxy_headers_total", "result=\"untrusted\""));
      JsonObject flow = new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows").getJsonObject(0);
      assertNull(flow.getString("realClient"));
    }
  }

  @Test
  void aRouteSendsAV2DgramHeaderOnTheFirstOrOnEveryDatagram() throws Exception {
    try (UdpEchoBackend echo = UdpEchoBackend.start("echo");
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: first, bind: ["127.0.0.1:0"], transport: udp }
              - { name: every, bind: ["127.0.0.1:0"], transport: udp }
            routes:
              - { name: first, listeners: [first], proxyProtocol: { send: v2 }, backends: [ { address: "127.0.0.1:%1$d" } ] }
              - name: every
                listeners: [every]
                proxyProtocol: { send: v2, datagrams: every, tlvs: { add: { 0xE0: "edge-1" } } }
                backends: [ { address: "127.0.0.1:%1$d" } ]
            """.formatted(echo.port()))) {
      for (String listener : List.of("first", "every")) {
        int port = node.port(listener);
        try (DatagramSocket client = from("127.0.0.4")) {
          for (int i = 0; i < 3; i++) {
            byte[] reply = receiveEcho(client, port, "d" + i);
            boolean carries = i == 0 || listener.equals("every");
            if (!carries) {
              assertEquals("d" + i, new String(reply, StandardCharsets.US_ASCII), listener + " datagram " + i);
              continue;
            }
            ProxyHeaderResult.Match match = assertInstanceOf(ProxyHeaderResult.Match.class, ProxyHeaderParser.parse(Buffer.buffer(reply)),
                listener + " datagram " + i);
            ProxyHeader h = match.header();
            assertEquals(ProxyHeader.Transport.DGRAM, h.transport());
            assertEquals(0x12, reply[13], "UDP over IPv4");
            assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.4"), client.getLocalPort()), h.realClient());
            assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), h.destination());
            assertTrue(h.tlv(ProxyTlv.UNIQUE_ID).isPresent());
            if (listener.equals("every")) {
              assertEquals("edge-1", h.tlv(0xE0).orElseThrow().text());
            }
            assertArrayEquals(("d" + i).getBytes(StandardCharsets.US_ASCII), Arrays.copyOfRange(reply, match.length(), reply.length));
          }
        }
      }
    }
  }

  @Test
  void aChainOfTwoNodesCarriesTheClientThrough() throws Exception {
    try (UdpEchoBackend echo = UdpEchoBackend.start("echo");
        L4muxTestNode inner = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: inner, bind: ["127.0.0.1:0"], transport: udp, proxyProtocol: { trusted: ["127.0.0.1/32"], required: true }, timeouts: { udpIdle: 2s } }
            routes:
              - { name: echo, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(echo.port()));
        L4muxTestNode edge = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: edge, bind: ["127.0.0.1:0"], transport: udp }
            routes:
              - { name: to-inner, proxyProtocol: { send: v2, datagrams: every }, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(inner.port("inner")))) {
      List<FlowEnded> ended = new CopyOnWriteArrayList<>();
      inner.vertx().eventBus().<FlowsEnded>localConsumer(Addresses.FLOW_EVENTS, m -> ended.addAll(m.body().flows()));
      try (DatagramSocket client = from("127.0.0.5")) {
        for (int i = 0; i < 3; i++) {
          assertEquals("echo:hop-" + i, UdpPolicyIT.exchange(client, edge.port("edge"), "hop-" + i));
        }
        String real = "127.0.0.5:" + client.getLocalPort();
        JsonObject flow = new JsonObject(inner.admin("/api/flows").body()).getJsonArray("flows").getJsonObject(0);
        assertEquals(real, flow.getString("realClient"));
        assertTrue(flow.getJsonObject("proxyTlvs").getString("uniqueId").endsWith(":1"), flow.encode());
        UdpRelayIT.awaitTrue(() -> ended.size() == 1, Duration.ofSeconds(30));
        FlowEnded line = ended.get(0);
        assertEquals(real, line.realClient());
        assertEquals(3, line.datagramsUp());
        assertEquals(3 * "hop-0".length(), line.bytesUp(), "the inner node counts the payload, headers stripped");
        assertTrue(line.toJsonLine().contains("\"realClient\":\"" + real + "\""), line.toJsonLine());
      }
    }
  }

  /** The echo backend's reply to {@code text}, without its tag: what the backend received. */
  private static byte[] receiveEcho(DatagramSocket client, int port, String text) throws Exception {
    send(client, port, text.getBytes(StandardCharsets.US_ASCII));
    byte[] reply = receive(client);
    byte[] tag = "echo:".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(tag, Arrays.copyOf(reply, tag.length));
    return Arrays.copyOfRange(reply, tag.length, reply.length);
  }
}
