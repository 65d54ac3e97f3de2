package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import dev.l4mux.sniff.proxy.ProxyHeaderWriter;
import dev.l4mux.sniff.proxy.ProxyTlv;
import dev.l4mux.testsupport.RecordingBackend;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PROXY protocol end to end on one node, with headers written by the test (the HAProxy and nginx
 * interop is in {@link ProxyProtocolInteropIT}): accept from trusted peers, ignore and count
 * forged headers from untrusted ones, {@code required}, access lists on the real client, and the
 * header l4mux sends. Addresses inside headers are documentation addresses; sockets are loopback.
 */
class ProxyProtocolIT {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final byte[] PAYLOAD = "hello!\n".getBytes(StandardCharsets.US_ASCII);

  private static RecordingBackend docs; // 203.0.113.0/24 by match.source
  private static RecordingBackend other;
  private static RecordingBackend sent; // routes that send a header
  private static RecordingBackend greeter;
  private static L4muxTestNode node;

  @BeforeAll
  static void start() throws Exception {
    docs = RecordingBackend.start("docs");
    other = RecordingBackend.start("other");
    sent = RecordingBackend.start("sent");
    greeter = RecordingBackend.startGreeting("greeter");
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        defaults: { timeouts: { proxyHeader: 500ms, sniff: 2s } }
        listeners:
          - name: trusted
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["127.0.0.0/8"] }
            access: { deny: ["198.51.100.0/24"] }
          - name: required
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["127.0.0.1"], required: true }
          - name: untrusted
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["10.0.0.0/8"] }
          - name: untrusted-reject
            bind: ["127.0.0.1:0"]
          - name: send
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["127.0.0.1"] }
          - name: greet
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["127.0.0.1"] }
        routes:
          - name: docs
            listeners: [trusted, required]
            match: { source: ["203.0.113.0/24", "2001:db8::/32"] }
            access: { deny: ["203.0.113.66", "2001:db8:dead::/48"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: http-denied
            listeners: [trusted]
            match: { protocol: http, source: ["192.0.2.0/24"] }
            access: { allow: ["192.0.2.128/25"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: other
            listeners: [trusted, required, untrusted]
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: ssh-only
            listeners: [untrusted-reject]
            match: { protocol: ssh }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: send-v1
            listeners: [send]
            match: { protocol: http, host: ["v1.example.com"] }
            proxyProtocol: { send: v1 }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: send-v2
            listeners: [send]
            match: { protocol: http }
            proxyProtocol: { send: v2, tlvs: { forward: [0xE0], add: { 0xE1: "edge-1" } } }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: server-first
            listeners: [greet]
            proxyProtocol: { send: v2 }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(docs.port(), other.port(), other.port(), other.port(), sent.port(), sent.port(), greeter.port()));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    for (RecordingBackend b : new RecordingBackend[] {docs, other, sent, greeter}) {
      if (b != null) {
        b.close();
      }
    }
  }

  private static byte[] v2(String client, int port, ProxyTlv... tlvs) {
    return ProxyHeaderWriter.v2(new InetSocketAddress(client, port), new InetSocketAddress("192.0.2.10", 443),
        ProxyHeader.Transport.STREAM, List.of(tlvs), true);
  }

  private static byte[] v1(String client, int port) {
    return ProxyHeaderWriter.v1(new InetSocketAddress(client, port), new InetSocketAddress("192.0.2.10", 443));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Writes {@code chunks} (each flushed on its own, 20 ms apart), then reads the answer to EOF. */
  static String exchange(int port, byte[]... chunks) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout((int) WAIT.toMillis());
      for (byte[] c : chunks) {
        s.getOutputStream().write(c);
        s.getOutputStream().flush();
        if (chunks.length > 1) {
          Thread.sleep(20);
        }
      }
      return readAll(s.getInputStream());
    }
  }

  static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // a refusal may end in a reset; what arrived before it counts
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  private static double metric(String name, String... labels) throws Exception {
    return MetricsText.sum(node.admin("/metrics").body(), name, labels);
  }

  @Test
  void aTrustedV2HeaderIsStrippedAndItsClientRoutesBySource() throws Exception {
    try (ClosedConnections closed = new ClosedConnections(node.vertx())) {
      assertEquals("docs\n", exchange(node.port("trusted"), concat(v2("203.0.113.7", 40000, ProxyTlv.text(0xE0, "tenant-7")), PAYLOAD)));
      assertArrayEquals(PAYLOAD, docs.next(WAIT), "the backend sees the client's bytes, not the header");
      ConnectionClosed c = closed.await(e -> "203.0.113.7:40000".equals(e.realClient()), WAIT);
      assertEquals("203.0.113.7:40000", c.realClient());
      assertTrue(c.client().startsWith("127.0.0.1:"), c.client());
      assertEquals("tenant-7", c.proxyTlvs().get("0xe0"));
      assertTrue(c.toJsonLine().contains("\"proxyTlvs\":{\"0xe0\":\"tenant-7\""), c.toJsonLine());
    }
  }

  @Test
  void aHeaderSplitOverManyReadsIsReassembled() throws Exception {
    byte[] header = v1("203.0.113.8", 1234);
    byte[][] chunks = new byte[9][]; // 8 reads of the header, well inside timeouts.proxyHeader
    for (int i = 0; i < 8; i++) {
      chunks[i] = Arrays.copyOfRange(header, i * header.length / 8, (i + 1) * header.length / 8);
    }
    chunks[8] = PAYLOAD;
    assertEquals("docs\n", exchange(node.port("trusted"), chunks));
    assertArrayEquals(PAYLOAD, docs.next(WAIT));
    // IPv6 in a v2 header, written in two reads.
    byte[] six = v2("2001:db8::7", 5);
    assertEquals("docs\n", exchange(node.port("trusted"), Arrays.copyOf(six, 20), concat(Arrays.copyOfRange(six, 20, six.length), PAYLOAD)));
    assertArrayEquals(PAYLOAD, docs.next(WAIT));
  }

  @Test
  void aTrustedPeerWithoutAHeaderIsServedWithItsOwnAddress() throws Exception {
    assertEquals("other\n", exchange(node.port("trusted"), PAYLOAD));
    assertArrayEquals(PAYLOAD, other.next(WAIT));
    // A LOCAL header (a health check) also keeps the peer's address.
    assertEquals("other\n", exchange(node.port("trusted"), concat(ProxyHeaderWriter.v2Local(List.of(), true), PAYLOAD)));
    assertArrayEquals(PAYLOAD, other.next(WAIT));
  }

  @Test
  void listenerAccessIsCheckedOnTheRealClientBeforeSniffing() throws Exception {
    double before = metric("l4mux_rejections_total", "listener=\"trusted\"", "reason=\"denied\"");
    assertEquals("", exchange(node.port("trusted"), concat(v2("198.51.100.9", 1), PAYLOAD)));
    // IPv4-mapped IPv6 in a TCP6 line is the same client.
    assertEquals("", exchange(node.port("trusted"), concat("PROXY TCP6 ::ffff:198.51.100.9 ::1 1 2\r\n".getBytes(StandardCharsets.US_ASCII), PAYLOAD)));
    assertEquals(before + 2, metric("l4mux_rejections_total", "listener=\"trusted\"", "reason=\"denied\""));
  }

  @Test
  void routeAccessRefusesPerProtocolAndDenyWins() throws Exception {
    double before = metric("l4mux_rejections_total", "listener=\"trusted\"", "reason=\"denied\"");
    assertEquals("", exchange(node.port("trusted"), concat(v2("203.0.113.66", 1), PAYLOAD)), "denied on the route: closed");
    assertEquals("", exchange(node.port("trusted"), concat(v2("2001:db8:dead::1", 1), PAYLOAD)), "IPv6 deny");
    String http = exchange(node.port("trusted"), concat(v2("192.0.2.7", 1), "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    assertTrue(http.startsWith("HTTP/1.1 403 Forbidden"), http);
    assertEquals(before + 3, metric("l4mux_rejections_total", "listener=\"trusted\"", "reason=\"denied\""));
  }

  @Test
  void requiredDropsATrustedPeerWithoutAHeader() throws Exception {
    double before = metric("l4mux_rejections_total", "listener=\"required\"", "reason=\"bad_proxy_header\"");
    assertEquals("", exchange(node.port("required"), "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), "not a header: dropped at once");
    try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), node.port("required"))) {
      silent.setSoTimeout((int) WAIT.toMillis());
      assertEquals(-1, silent.getInputStream().read(), "closed after timeouts.proxyHeader");
    }
    assertEquals("", exchange(node.port("required"), "PROXY TCP4 203.0.113.7 192.0.2.1 01 2\r\n".getBytes(StandardCharsets.US_ASCII)), "broken header");
    assertEquals(before + 3, metric("l4mux_rejections_total", "listener=\"required\"", "reason=\"bad_proxy_header\""));
    assertEquals("docs\n", exchange(node.port("required"), concat(v2("203.0.113.9", 9), PAYLOAD)));
    assertArrayEquals(PAYLOAD, docs.next(WAIT));
  }

  @Test
  void forgedHeadersFromUntrustedPeersStayInTheStreamAndAreCounted() throws Exception {
    double before = metric("l4mux_proxy_headers_total", "listener=\"untrusted\"", "result=\"untrusted\"");
    byte[] forgedV1 = concat(v1("203.0.113.7", 1), PAYLOAD);
    byte[] forgedV2 = concat(v2("203.0.113.7", 1), PAYLOAD);
    try (ClosedConnections closed = new ClosedConnections(node.vertx())) {
      assertEquals("other\n", exchange(node.port("untrusted"), forgedV1));
      assertArrayEquals(forgedV1, other.next(WAIT), "not stripped");
      assertEquals("other\n", exchange(node.port("untrusted"), forgedV2));
      assertArrayEquals(forgedV2, other.next(WAIT), "not stripped");
      ConnectionClosed c = closed.await(e -> "untrusted".equals(e.listener()), WAIT);
      assertNull(c.realClient(), "the client address did not change");
    }
    assertEquals(before + 2, metric("l4mux_proxy_headers_total", "listener=\"untrusted\"", "result=\"untrusted\""));
    // Split inside the signature, one piece per read: still recognised and counted.
    assertEquals("other\n", exchange(node.port("untrusted"), Arrays.copyOfRange(forgedV2, 0, 5), Arrays.copyOfRange(forgedV2, 5, 9),
        Arrays.copyOfRange(forgedV2, 9, forgedV2.length)));
    assertArrayEquals(forgedV2, other.next(WAIT), "not stripped");
    assertEquals("other\n", exchange(node.port("untrusted"), Arrays.copyOfRange(forgedV1, 0, 3), Arrays.copyOfRange(forgedV1, 3, forgedV1.length)));
    assertArrayEquals(forgedV1, other.next(WAIT), "not stripped");
    assertEquals(before + 4, metric("l4mux_proxy_headers_total", "listener=\"untrusted\"", "result=\"untrusted\""));
    // "PROX" then bytes that are no signature: not counted
    assertEquals("other\n", exchange(node.port("untrusted"), "PROX".getBytes(StandardCharsets.US_ASCII), "IMA hello!\n".getBytes(StandardCharsets.US_ASCII)));
    other.next(WAIT);
    assertEquals(before + 4, metric("l4mux_proxy_headers_total", "listener=\"untrusted\"", "result=\"untrusted\""));
    // With no route for it, a forged header is refused as bad_proxy_header rather than no_route.
    double rejected = metric("l4mux_rejections_total", "listener=\"untrusted-reject\"", "reason=\"bad_proxy_header\"");
    assertEquals("", exchange(node.port("untrusted-reject"), forgedV1));
    assertEquals(rejected + 1, metric("l4mux_rejections_total", "listener=\"untrusted-reject\"", "reason=\"bad_proxy_header\""));
  }

  private static ProxyHeaderResult.Match headerAtStart(byte[] bytes) {
    return assertInstanceOf(ProxyHeaderResult.Match.class, ProxyHeaderParser.parse(Buffer.buffer(bytes)));
  }

  @Test
  void sendsV1WithTheRealClientAndTheAddressItConnectedTo() throws Exception {
    byte[] request = "GET / HTTP/1.0\r\nHost: v1.example.com\r\n\r\nhello!\n".getBytes(StandardCharsets.US_ASCII);
    assertEquals("sent\n", exchange(node.port("send"), concat(v1("203.0.113.7", 40000), request)));
    byte[] got = sent.next(WAIT);
    ProxyHeaderResult.Match m = headerAtStart(got);
    assertEquals(1, m.header().version());
    assertEquals(new InetSocketAddress("203.0.113.7", 40000), m.header().source());
    assertEquals(new InetSocketAddress("192.0.2.10", 443), m.header().destination());
    assertArrayEquals(request, Arrays.copyOfRange(got, m.length(), got.length));
    // Without an upstream header: the peer, and the listener's own address.
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), node.port("send"))) {
      s.getOutputStream().write(request);
      readAll(s.getInputStream());
      ProxyHeader h = headerAtStart(sent.next(WAIT)).header();
      assertEquals(s.getLocalSocketAddress(), h.source());
      assertEquals(new InetSocketAddress("127.0.0.1", node.port("send")), h.destination());
    }
  }

  @Test
  void sendsV2WithAuthorityUniqueIdForwardedAndAddedTlvs() throws Exception {
    byte[] request = "GET / HTTP/1.0\r\nHost: www.example.com\r\n\r\nhello!\n".getBytes(StandardCharsets.US_ASCII);
    byte[] upstream = v2("2001:db8::7", 5, ProxyTlv.text(0xE0, "tenant-7"), ProxyTlv.text(0xE2, "not forwarded"));
    assertEquals("sent\n", exchange(node.port("send"), concat(upstream, request)));
    byte[] got = sent.next(WAIT);
    ProxyHeaderResult.Match m = headerAtStart(got);
    ProxyHeader h = m.header();
    assertEquals(new InetSocketAddress("2001:db8::7", 5), h.source());
    assertEquals(ProxyHeader.Family.INET6, h.family(), "the family follows the addresses");
    assertEquals("www.example.com", h.tlv(ProxyTlv.AUTHORITY).orElseThrow().text());
    assertTrue(h.tlv(ProxyTlv.UNIQUE_ID).orElseThrow().text().matches(".+:\\d+"), h.toString());
    assertEquals("tenant-7", h.tlv(0xE0).orElseThrow().text());
    assertEquals("edge-1", h.tlv(0xE1).orElseThrow().text());
    assertTrue(h.tlv(0xE2).isEmpty());
    assertArrayEquals(request, Arrays.copyOfRange(got, m.length(), got.length));
    JsonObject none = new JsonObject(node.admin("/api/connections").body());
    assertInstanceOf(JsonArray.class, none.getJsonArray("connections"));
  }

  @Test
  void aServerFirstBackendGetsTheHeaderBeforeItsGreetingIsRelayed() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), node.port("greet"))) {
      s.setSoTimeout((int) WAIT.toMillis());
      // The trusted peer sends its header and nothing else: the greeting must still come.
      s.getOutputStream().write(v2("203.0.113.7", 7));
      byte[] greeting = new byte["greeter greeting\n".length()];
      int n = s.getInputStream().readNBytes(greeting, 0, greeting.length);
      assertEquals("greeter greeting\n", new String(greeting, 0, n, StandardCharsets.US_ASCII));
      s.getOutputStream().write(PAYLOAD);
      byte[] got = greeter.next(WAIT);
      ProxyHeaderResult.Match m = headerAtStart(got);
      assertEquals(new InetSocketAddress("203.0.113.7", 7), m.header().source());
      assertArrayEquals(PAYLOAD, Arrays.copyOfRange(got, m.length(), got.length));
    }
  }

  @Test
  void apiConnectionsShowsTheRealClientAndTlvs() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), node.port("trusted"))) {
      s.getOutputStream().write(v2("203.0.113.7", 4242, ProxyTlv.text(ProxyTlv.AUTHORITY, "api.example.com")));
      s.getOutputStream().flush();
      JsonObject open = null;
      for (int i = 0; i < 200 && open == null; i++) {
        JsonArray list = new JsonObject(node.admin("/api/connections").body()).getJsonArray("connections");
        for (int j = 0; j < list.size(); j++) {
          if ("203.0.113.7:4242".equals(list.getJsonObject(j).getString("realClient"))) {
            open = list.getJsonObject(j);
          }
        }
        Thread.sleep(20);
      }
      assertTrue(open != null, "connection not listed");
      assertEquals("api.example.com", open.getJsonObject("proxyTlvs").getString("authority"));
      assertTrue(open.getString("client").startsWith("127.0.0.1:"));
    }
  }
}
