package dev.l4mux.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.l4mux.config.ProxyProtocolSend;
import dev.l4mux.observe.TlsFacts;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.buffer.Buffer;
import java.util.HexFormat;
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
    List<ProxyTlv> tlvs = ProxyHeaderSender.tlvs(send, Sniffed.tls("a.example.com", List.of("h2", "http/1.1"), List.of(), false), null, "n:1", null);
    assertEquals(List.of(ProxyTlv.text(ProxyTlv.AUTHORITY, "a.example.com"), ProxyTlv.text(ProxyTlv.ALPN, "h2"),
        ProxyTlv.text(ProxyTlv.UNIQUE_ID, "n:1"), ProxyTlv.text(0xE1, "edge-1")), tlvs);
    List<ProxyTlv> http = ProxyHeaderSender.tlvs(send, Sniffed.http("www.example.com", false, List.of(), "GET /"), null, "n:2", null);
    assertEquals(ProxyTlv.text(ProxyTlv.AUTHORITY, "www.example.com"), http.get(0));
  }

  @Test
  void forwardedTlvsReplaceGeneratedOnesOfTheirType() {
    ProxyHeader upstream = new ProxyHeader(2, ProxyHeader.Command.PROXY, ProxyHeader.Family.INET, ProxyHeader.Transport.STREAM, CLIENT, DEST,
        List.of(ProxyTlv.text(ProxyTlv.UNIQUE_ID, "edge:9"), ProxyTlv.text(0xE0, "tenant"), ProxyTlv.text(0xE2, "dropped")));
    ProxyProtocolSend send = new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(ProxyTlv.UNIQUE_ID, 0xE0), Map.of());
    assertEquals(List.of(ProxyTlv.text(ProxyTlv.UNIQUE_ID, "edge:9"), ProxyTlv.text(0xE0, "tenant")),
        ProxyHeaderSender.tlvs(send, Sniffed.unknown(), null, "inner:1", upstream));
  }

  @Test
  void v1AndNone() {
    assertEquals("PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\n",
        ProxyHeaderSender.header(new ProxyProtocolSend(ProxyProtocolSend.Version.V1, List.of(), Map.of()), CLIENT, DEST, Sniffed.unknown(), null, "n:1", null)
            .toString(StandardCharsets.US_ASCII));
    assertNull(ProxyHeaderSender.header(ProxyProtocolSend.NONE, CLIENT, DEST, Sniffed.unknown(), null, "n:1", null));
  }

  @Test
  void aUniqueIdLongerThan128BytesIsLeftOut() {
    ProxyProtocolSend send = new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(), Map.of());
    assertEquals(List.of(), ProxyHeaderSender.tlvs(send, Sniffed.unknown(), null, "n".repeat(129), null));
  }

  @Test
  void aTerminatedSessionSendsTheSslTlvWithTheNegotiatedAlpn() {
    ProxyProtocolSend send = new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(), Map.of());
    TlsFacts session = new TlsFacts("terminate", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "http/1.1", "CN=alice.client,O=Example", "alice.client");
    ByteBuf header = ProxyHeaderSender.header(send, CLIENT, DEST, Sniffed.tls("a.example.com", List.of("h2", "http/1.1"), List.of(), false),
        session, "n:1", null);
    byte[] bytes = ByteBufUtil.getBytes(header);
    header.release();
    ProxyHeaderResult.Match parsed = assertInstanceOf(ProxyHeaderResult.Match.class, ProxyHeaderParser.parse(Buffer.buffer(bytes)));
    assertEquals(bytes.length, parsed.length());
    Map<String, String> tlvs = ProxyTlv.describe(parsed.header().tlvs());
    assertEquals("http/1.1", tlvs.get("alpn"), "the protocol negotiated with the client, not the client's first offer");
    assertEquals("0x07", tlvs.get("ssl.client"));
    assertEquals("0", tlvs.get("ssl.verify"));
    assertEquals("TLSv1.3", tlvs.get("ssl.version"));
    assertEquals("alice.client", tlvs.get("ssl.cn"));
    assertEquals("TLS_AES_128_GCM_SHA256", tlvs.get("ssl.cipher"));
  }

  @Test
  void withoutAClientCertificateTheSslTlvSaysSoAndHasNoCn() {
    ProxyTlv ssl = ProxyHeaderSender.ssl(new TlsFacts("reencrypt", "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", null));
    assertEquals(ProxyTlv.CLIENT_SSL, ssl.sslClient());
    assertEquals(1, ssl.sslVerify(), "doc/proxy-protocol.txt 2.2.6: zero only for a presented and verified certificate");
    assertEquals(List.of(ProxyTlv.SSL_VERSION, ProxyTlv.SSL_CIPHER), ssl.subTlvs().stream().map(ProxyTlv::type).toList());
    // the exact bytes of the TLV as written: type, length, client, verify, then the sub-TLVs
    ByteBuf header = ProxyHeaderSender.header(new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(), Map.of()), CLIENT, DEST,
        Sniffed.unknown(), new TlsFacts("reencrypt", "TLSv1.2", "X", null), null, null);
    byte[] bytes = ByteBufUtil.getBytes(header);
    header.release();
    byte[] expected = {0x20, 0x00, 0x13, 0x01, 0x00, 0x00, 0x00, 0x01, 0x21, 0x00, 0x07, 'T', 'L', 'S', 'v', '1', '.', '2', 0x23, 0x00, 0x01, 'X'};
    assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(bytes, 16 + 12, 16 + 12 + expected.length));
  }

  @Test
  void aForwardedSslTlvReplacesTheGeneratedOne() {
    ProxyTlv upstreamSsl = new ProxyTlv(ProxyTlv.SSL, new byte[] {0x01, 0, 0, 0, 0}, List.of(ProxyTlv.text(ProxyTlv.SSL_VERSION, "TLSv1.2")));
    ProxyHeader upstream = new ProxyHeader(2, ProxyHeader.Command.PROXY, ProxyHeader.Family.INET, ProxyHeader.Transport.STREAM, CLIENT, DEST,
        List.of(upstreamSsl));
    ProxyProtocolSend send = new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(ProxyTlv.SSL), Map.of());
    List<ProxyTlv> tlvs = ProxyHeaderSender.tlvs(send, Sniffed.unknown(), new TlsFacts("terminate", "TLSv1.3", "TLS_AES_128_GCM_SHA256", null),
        null, upstream);
    assertEquals(List.of(upstreamSsl), tlvs.stream().filter(t -> t.type() == ProxyTlv.SSL).toList());
  }
}
