package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import dev.l4mux.sniff.proxy.ProxyHeaderWriter;
import dev.l4mux.sniff.proxy.ProxyTlv;
import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.RecordingBackend;
import dev.l4mux.testsupport.TempDirs;
import dev.l4mux.testsupport.Teardown;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Custom TLVs across real HAProxy 3.0 on loopback (built from Debian's source by
 * src/test/scripts/haproxy-3.sh: Debian 12's HAProxy 2.6 has neither {@code set-proxy-v2-tlv-fmt}
 * nor {@code fc_pp_tlv}). HAProxy -> l4mux: a TLV HAProxy adds ({@code set-proxy-v2-tlv-fmt}) is
 * read by l4mux from the trusted peer, shown in the access log and forwarded ({@code
 * tlvs.forward}) to the backend; l4mux -> HAProxy: a TLV l4mux adds ({@code tlvs.add}) and its
 * AUTHORITY appear in HAProxy's log ({@code fc_pp_tlv}, {@code fc_pp_authority}).
 */
class ProxyProtocolTlvInteropIT {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private static RecordingBackend forwarded;
  private static RecordingBackend behindHaproxy;
  private static L4muxTestNode node;
  private static ExternalProcess haproxy;
  private static Path dir;
  private static int hapTlv;
  private static int hapAccept;

  @BeforeAll
  static void start() throws Exception {
    ExternalProcess.Result built = ExternalProcess.run(List.of("src/test/scripts/haproxy-3.sh"), new byte[0], Duration.ofMinutes(20));
    assertEquals(0, built.exitCode(), built::toString);
    String binary = built.stdout().strip();
    dir = TempDirs.create("l4mux-pp-tlv-interop");
    forwarded = RecordingBackend.start("forwarded");
    behindHaproxy = RecordingBackend.start("behind-haproxy");
    hapTlv = Ports.freePort();
    hapAccept = Ports.freePort();
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - name: from-haproxy
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["127.0.0.1"], required: true }
          - name: to-haproxy
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["127.0.0.1"] }
        routes:
          - name: forwards
            listeners: [from-haproxy]
            proxyProtocol: { send: v2, tlvs: { forward: [0xE0] } }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: adds
            listeners: [to-haproxy]
            match: { protocol: http }
            proxyProtocol: { send: v2, tlvs: { add: { 0xE1: "edge-1" } } }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(forwarded.port(), hapAccept));
    Path cfg = dir.resolve("haproxy.cfg");
    Files.writeString(cfg, """
        global
          log stderr format raw local0
        defaults
          mode tcp
          log global
          timeout connect 5s
          timeout client 15s
          timeout server 15s
        frontend tlv
          bind 127.0.0.1:%d
          tcp-request connection set-src ipv4(203.0.113.7)
          default_backend to_l4mux
        frontend from_l4mux
          bind 127.0.0.1:%d accept-proxy
          log-format "pp client=%%ci:%%cp tlv=%%[fc_pp_tlv(0xE1)] authority=%%[fc_pp_authority]"
          default_backend behind
        backend to_l4mux
          server l 127.0.0.1:%d send-proxy-v2 set-proxy-v2-tlv-fmt(0xE0) tenant-%%[src]
        backend behind
          server b 127.0.0.1:%d
        """.formatted(hapTlv, hapAccept, node.port("from-haproxy"), behindHaproxy.port()));
    haproxy = ExternalProcess.start(List.of(binary, "-f", cfg.toString(), "-db"), new byte[0], Duration.ofMinutes(5));
    Ports.awaitListening(hapTlv, WAIT);
    Ports.awaitListening(hapAccept, WAIT);
  }

  @AfterAll
  static void stop() throws Exception {
    Teardown.closeAll(haproxy, node, forwarded, behindHaproxy, Teardown.dir(dir));
  }

  @Test
  void aTlvThatHaproxyAddsIsReadLoggedAndForwarded() throws Exception {
    try (ClosedConnections closed = new ClosedConnections(node.vertx())) {
      assertEquals("forwarded\n", ProxyProtocolIT.exchange(hapTlv, "hello!\n".getBytes(StandardCharsets.US_ASCII)));
      byte[] got = nextWithPayload(forwarded);
      ProxyHeaderResult.Match m = assertInstanceOf(ProxyHeaderResult.Match.class, ProxyHeaderParser.parse(Buffer.buffer(got)));
      assertEquals("tenant-203.0.113.7", m.header().tlv(0xE0).orElseThrow().text(), "forwarded as HAProxy wrote it");
      assertEquals("203.0.113.7", m.header().source().getAddress().getHostAddress());
      assertEquals("hello!\n", new String(got, m.length(), got.length - m.length(), StandardCharsets.US_ASCII));
      ConnectionClosed c = closed.await(e -> "forwards".equals(e.route()), WAIT);
      assertEquals("tenant-203.0.113.7", c.proxyTlvs().get("0xe0"), c.toJsonLine());
    }
  }

  /**
   * The next recording that carries client bytes after its header: the readiness probe of HAProxy's
   * port ({@code Ports.awaitListening}) went through the chain too and left a header alone.
   */
  private static byte[] nextWithPayload(RecordingBackend backend) throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      byte[] got = backend.next(WAIT);
      if (ProxyHeaderParser.parse(Buffer.buffer(got)) instanceof ProxyHeaderResult.Match m && got.length > m.length()) {
        return got;
      }
    }
    throw new AssertionError("no recording with the client's bytes after the header");
  }

  @Test
  void haproxyLogsTheTlvAndAuthorityThatL4muxAdds() throws Exception {
    byte[] upstream = ProxyHeaderWriter.v2(new InetSocketAddress("203.0.113.8", 40010), new InetSocketAddress("192.0.2.10", 443),
        ProxyHeader.Transport.STREAM, List.of(ProxyTlv.text(0xE2, "not forwarded")), true);
    byte[] request = "GET / HTTP/1.0\r\nHost: www.example.com\r\n\r\nhello!\n".getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.writeBytes(upstream);
    both.writeBytes(request);
    assertEquals("behind-haproxy\n", ProxyProtocolIT.exchange(node.port("to-haproxy"), both.toByteArray()));
    assertTrue(new String(behindHaproxy.next(WAIT), StandardCharsets.US_ASCII).startsWith("GET / HTTP/1.0"), "HAProxy stripped the header");
    assertTrue(haproxy.awaitStderr(e -> e.contains("pp client=203.0.113.8:40010 tlv=edge-1 authority=www.example.com"), WAIT), haproxy::stderr);
  }
}
