package dev.l4mux.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.l4mux.config.ProxyProtocolSend;
import dev.l4mux.sniff.Sniffed;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyTlv;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TLVs a route sends: generated, forwarded (replacing generated ones), added. */
class ProxyHeaderSenderTest {

  private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 40000);
  private static final InetSocketAddress DEST = new InetSocketAddress("192.0.2.1", 443);

  @Test
  void generatedTlvsFromTheSniffedFacts() {
    ProxyProtocolSend send = new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(), Map.of(0xE1, "edge-1"));
    List<ProxyTlv> tlvs = ProxyHeaderSender.tlvs(send, Sniffed.tls("a.example.com", List.of("h2", "http/1.1"), List.of(), false), "n:1", null);
    assertEquals(List.of(ProxyTlv.text(ProxyTlv.AUTHORITY, "a.example.com"), ProxyTlv.text(ProxyTlv.ALPN, "h2"),
        ProxyTlv.text(ProxyTlv.UNIQUE_ID, "n:1"), ProxyTlv.text(0xE1, "edge-1")), tlvs);
    List<ProxyTlv> http = ProxyHeaderSender.tlvs(send, Sniffed.http("www.example.com", false, List.of(), "GET /"), "n:2", null);
    assertEquals(ProxyTlv.text(ProxyTlv.AUTHORITY, "www.example.com"), http.get(0));
  }

  @Test
  void forwardedTlvsReplaceGeneratedOnesOfTheirType() {
    ProxyHeader upstream = new ProxyHeader(2, ProxyHeader.Command.PROXY, ProxyHeader.Family.INET, ProxyHeader.Transport.STREAM, CLIENT, DEST,
        List.of(ProxyTlv.text(ProxyTlv.UNIQUE_ID, "edge:9"), ProxyTlv.text(0xE0, "tenant"), ProxyTlv.text(0xE2, "dropped")));
    ProxyProtocolSend send = new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(ProxyTlv.UNIQUE_ID, 0xE0), Map.of());
    assertEquals(List.of(ProxyTlv.text(ProxyTlv.UNIQUE_ID, "edge:9"), ProxyTlv.text(0xE0, "tenant")),
        ProxyHeaderSender.tlvs(send, Sniffed.unknown(), "inner:1", upstream));
  }

  @Test
  void v1AndNone() {
    assertEquals("PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\n",
        ProxyHeaderSender.header(new ProxyProtocolSend(ProxyProtocolSend.Version.V1, List.of(), Map.of()), CLIENT, DEST, Sniffed.unknown(), "n:1", null)
            .toString(StandardCharsets.US_ASCII));
    assertNull(ProxyHeaderSender.header(ProxyProtocolSend.NONE, CLIENT, DEST, Sniffed.unknown(), "n:1", null));
  }

  @Test
  void aUniqueIdLongerThan128BytesIsLeftOut() {
    ProxyProtocolSend send = new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(), Map.of());
    assertEquals(List.of(), ProxyHeaderSender.tlvs(send, Sniffed.unknown(), "n".repeat(129), null));
  }
}
