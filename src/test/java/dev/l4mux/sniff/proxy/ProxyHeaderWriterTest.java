package dev.l4mux.sniff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.sniff.proxy.ProxyHeader.Command;
import dev.l4mux.sniff.proxy.ProxyHeader.Family;
import dev.l4mux.sniff.proxy.ProxyHeader.Transport;
import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Headers the writer builds, read back by the parser and compared with the spec's layout. */
class ProxyHeaderWriterTest {

  private static InetSocketAddress at(String host, int port) {
    return new InetSocketAddress(host, port);
  }

  private static InetSocketAddress mapped(String v4, int port) throws Exception {
    byte[] a = new byte[16];
    a[10] = (byte) 0xFF;
    a[11] = (byte) 0xFF;
    System.arraycopy(InetAddress.getByName(v4).getAddress(), 0, a, 12, 4);
    // Inet6Address.getByAddress keeps the 16 bytes (InetAddress.getByAddress would make it IPv4).
    return new InetSocketAddress(java.net.Inet6Address.getByAddress(null, a, -1), port);
  }

  private static ProxyHeader read(byte[] bytes) {
    ProxyHeaderResult.Match m = assertInstanceOf(ProxyHeaderResult.Match.class, ProxyHeaderParser.parse(Buffer.buffer(bytes)));
    assertEquals(bytes.length, m.length());
    return m.header();
  }

  @Test
  void v1Tcp4IsTheSpecExampleLine() {
    byte[] line = ProxyHeaderWriter.v1(at("192.168.0.1", 56324), at("192.168.0.11", 443));
    assertEquals("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", new String(line, StandardCharsets.US_ASCII));
  }

  @Test
  void v1Tcp6AndMixedFamiliesRoundTrip() throws Exception {
    ProxyHeader six = read(ProxyHeaderWriter.v1(at("2001:db8::7", 40000), at("::1", 443)));
    assertEquals(Family.INET6, six.family());
    assertEquals(at("2001:db8::7", 40000), six.source());
    // An IPv4 client on a v6 socket is sent as TCP4.
    byte[] mappedLine = ProxyHeaderWriter.v1(mapped("203.0.113.7", 1), mapped("127.0.0.1", 2));
    assertEquals("PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\n", new String(mappedLine, StandardCharsets.US_ASCII));
    // Mixed: IPv4 client, IPv6 destination: TCP6 with the client IPv4-mapped.
    ProxyHeader mixed = read(ProxyHeaderWriter.v1(at("203.0.113.7", 1), at("::1", 2)));
    assertEquals(Family.INET6, mixed.family());
    assertEquals(at("203.0.113.7", 1), mixed.source());
  }

  @Test
  void v2WithTlvsAndCrc32cRoundTrips() {
    List<ProxyTlv> tlvs = List.of(
        ProxyTlv.text(ProxyTlv.AUTHORITY, "www.example.com"),
        ProxyTlv.text(ProxyTlv.ALPN, "h2"),
        ProxyTlv.text(ProxyTlv.UNIQUE_ID, "node-1:42"),
        ProxyTlv.text(0xE1, "edge-1"));
    byte[] bytes = ProxyHeaderWriter.v2(at("203.0.113.7", 40000), at("127.0.0.1", 443), Transport.STREAM, tlvs, true);
    assertEquals(0x21, bytes[12]);
    assertEquals(0x11, bytes[13]);
    assertEquals(bytes.length - 16, (bytes[14] & 0xFF) << 8 | (bytes[15] & 0xFF));
    ProxyHeader h = read(bytes);
    assertEquals(new ProxyHeader(2, Command.PROXY, Family.INET, Transport.STREAM, at("203.0.113.7", 40000), at("127.0.0.1", 443), tlvs), h);
    // The checksum covers every byte: any change is caught.
    bytes[20] ^= 0x40;
    ProxyHeaderResult.NoMatch bad = assertInstanceOf(ProxyHeaderResult.NoMatch.class, ProxyHeaderParser.parse(Buffer.buffer(bytes)));
    assertTrue(bad.reason().contains("CRC32C"), bad.reason());
  }

  @Test
  void v2Ipv6AndDgram() {
    ProxyHeader h = read(ProxyHeaderWriter.v2(at("2001:db8::7", 5), at("::1", 6), Transport.DGRAM, List.of(), false));
    assertEquals(Family.INET6, h.family());
    assertEquals(Transport.DGRAM, h.transport());
    assertEquals(at("2001:db8::7", 5), h.realClient());
  }

  @Test
  void sslTlvWithSubTlvsIsRebuiltFromItsParts() {
    ProxyTlv ssl = new ProxyTlv(ProxyTlv.SSL, new byte[] {ProxyTlv.CLIENT_SSL, 0, 0, 0, 0},
        List.of(ProxyTlv.text(ProxyTlv.SSL_VERSION, "TLSv1.3"), ProxyTlv.text(ProxyTlv.SSL_CN, "client.example.com")));
    ProxyHeader h = read(ProxyHeaderWriter.v2(at("203.0.113.7", 1), at("127.0.0.1", 2), Transport.STREAM, List.of(ssl), true));
    ProxyTlv back = h.tlv(ProxyTlv.SSL).orElseThrow();
    assertEquals(ssl.subTlvs(), back.subTlvs());
    // A forwarded SSL TLV (raw value with its sub-TLVs inside) is written as it came.
    ProxyHeader again = read(ProxyHeaderWriter.v2(at("203.0.113.7", 1), at("127.0.0.1", 2), Transport.STREAM, List.of(back), false));
    assertEquals(back, again.tlv(ProxyTlv.SSL).orElseThrow());
  }

  @Test
  void v2LocalReadsAsLocal() {
    ProxyHeader h = read(ProxyHeaderWriter.v2Local(List.of(), true));
    assertEquals(Command.LOCAL, h.command());
  }
}
