package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.bus.Addresses;
import dev.l4mux.observe.FlowEnded;
import dev.l4mux.observe.FlowsEnded;
import dev.l4mux.testsupport.QuicPeers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * QUIC routed by SNI without terminating it: ngtcp2's gtlsclient through l4mux to two ngtcp2
 * gtlsservers chosen by the server name in the client's Initial; the handshake completes and an
 * HTTP/3 response comes back. A client that rebinds its port mid-connection (ngtcp2's NAT
 * rebinding simulation) stays on its backend, found again by the connection ID the server chose.
 */
class QuicRoutingIT {

  private static QuicPeers.Server serverA;
  private static QuicPeers.Server serverB;
  private static L4muxTestNode node;
  private static final List<FlowEnded> ended = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    serverA = QuicPeers.server("a.example.com", "served by a\n");
    serverB = QuicPeers.server("b.example.com", "served by b\n");
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - { name: quic, bind: ["127.0.0.1:0"], transport: udp, timeouts: { udpIdle: 2s } }
        routes:
          - name: a
            match: { protocol: quic, sni: ["a.example.com"], alpn: ["h3"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: b
            match: { protocol: quic, sni: ["*.example.com"] }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(serverA.port(), serverB.port()));
    node.vertx().eventBus().<FlowsEnded>localConsumer(Addresses.FLOW_EVENTS, m -> ended.addAll(m.body().flows()));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (serverA != null) {
      serverA.close();
    }
    if (serverB != null) {
      serverB.close();
    }
  }

  @Test
  void routesTwoServerNamesToTwoServers() throws Exception {
    int port = node.port("quic");
    assertEquals("served by a\n", QuicPeers.fetch("a.example.com", port, List.of()));
    assertEquals("served by b\n", QuicPeers.fetch("b.example.com", port, List.of()));
    UdpRelayIT.awaitTrue(() -> ended.stream().filter(f -> f.sni() != null && !f.sni().startsWith("big")).count() >= 2, Duration.ofSeconds(15));
    FlowEnded a = ended.stream().filter(f -> "a.example.com".equals(f.sni())).findFirst().orElseThrow();
    assertEquals("a", a.route());
    assertEquals("quic", a.protocol());
    assertEquals("v1", a.quicVersion());
    assertEquals(List.of("h3"), a.alpn());
    FlowEnded b = ended.stream().filter(f -> "b.example.com".equals(f.sni())).findFirst().orElseThrow();
    assertEquals("b", b.route());
  }

  @Test
  void aClientHelloOverTwoDatagramsIsRoutedByItsServerName() throws Exception {
    // An FFDHE8192 key share (1,024 bytes) spreads the ClientHello over two Initial datagrams.
    String body = QuicPeers.fetch("big.example.com", node.port("quic"),
        List.of("--groups=-GROUP-ALL:+GROUP-FFDHE8192:+GROUP-X25519"));
    assertEquals("served by b\n", body);
    UdpRelayIT.awaitTrue(() -> ended.stream().anyMatch(f -> "big.example.com".equals(f.sni())), Duration.ofSeconds(15));
    assertEquals("b", ended.stream().filter(f -> "big.example.com".equals(f.sni())).findFirst().orElseThrow().route());
  }

  @Test
  void aClientThatRebindsItsPortKeepsItsBackend() throws Exception {
    long before = ended.stream().filter(f -> "a.example.com".equals(f.sni())).count();
    // The client moves to a new local port 300 ms after the handshake (no path validation: a NAT
    // rebinding) and sends its request only after that, from the new port.
    String body = QuicPeers.fetch("a.example.com", node.port("quic"),
        List.of("--change-local-addr=300ms", "--nat-rebinding", "--delay-stream=800ms"));
    assertEquals("served by a\n", body);
    UdpRelayIT.awaitTrue(() -> ended.stream().filter(f -> "a.example.com".equals(f.sni())).count() > before, Duration.ofSeconds(15));
    Thread.sleep(500); // any second flow would have ended by now too (udpIdle 2s after its last datagram)
    List<FlowEnded> flows = ended.stream().filter(f -> "a.example.com".equals(f.sni())).toList();
    assertEquals(before + 1, flows.size(), "one flow, so the backend saw one connection: " + flows);
    assertEquals(0, ended.stream().filter(f -> !"quic".equals(f.protocol())).count(), "no datagram started a flow of its own");
    // Without the connection ID, the client's short-header packets from its new port would have
    // started a flow of no route: dropped and counted here.
    String metrics = node.admin("/metrics").body();
    assertEquals(0, MetricsText.sum(metrics, "l4mux_udp_drops_total"));
    assertTrue(MetricsText.sum(metrics, "l4mux_sniff_seconds_count", "listener=\"quic\"", "protocol=\"quic\"") >= 1,
        "QUIC flows' sniff decisions are timed");
  }
}
