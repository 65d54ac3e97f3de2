package dev.l4mux.udp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.ProxyProtocolSend;
import dev.l4mux.sniff.Sniffed;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import dev.l4mux.sniff.proxy.ProxyTlv;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * PROXY v2 DGRAM headers on datagrams, both ways, against headers built here byte by byte from
 * doc/proxy-protocol.txt 2.2 (signature, 0x21 = v2 PROXY, 0x12 = UDP over IPv4, 0x22 = UDP over
 * IPv6, big-endian length, addresses, ports, TLVs, CRC32C with the JDK's own checksum) and against
 * {@link ProxyHeaderParser}. Documentation addresses only (RFC 5737, RFC 3849).
 */
class DatagramProxyHeadersTest {

  private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  private static final int MAX = 16_384;
  private static final InetSocketAddress CLIENT = address("203.0.113.7", 51_000);
  private static final InetSocketAddress EDGE = address("203.0.113.1", 443);
  private static final InetSocketAddress CLIENT6 = address("2001:db8::7", 51_000);
  private static final InetSocketAddress EDGE6 = address("2001:db8::1", 443);
  private static final byte[] PAYLOAD = "quic or wireguard bytes".getBytes(StandardCharsets.US_ASCII);

  private static InetSocketAddress address(String host, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** A v2 header built by hand: family/protocol byte, addresses, ports, then TLVs, CRC32C last when asked. */
  private static byte[] handBuilt(int command, int familyProtocol, InetSocketAddress src, InetSocketAddress dst, byte[] tlvs, boolean crc) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(SIGNATURE);
    out.write(command);
    out.write(familyProtocol);
    out.write(0);
    out.write(0);
    out.writeBytes(src.getAddress().getAddress());
    out.writeBytes(dst.getAddress().getAddress());
    out.write(src.getPort() >> 8);
    out.write(src.getPort() & 0xFF);
    out.write(dst.getPort() >> 8);
    out.write(dst.getPort() & 0xFF);
    out.writeBytes(tlvs);
    if (crc) {
      out.writeBytes(new byte[] {0x03, 0x00, 0x04, 0, 0, 0, 0});
    }
    byte[] header = out.toByteArray();
    int length = header.length - 16;
    header[14] = (byte) (length >> 8);
    header[15] = (byte) length;
    if (crc) { // 2.2.3: CRC32C over the whole header with the checksum field zeroed
      CRC32C c = new CRC32C();
      c.update(header);
      long v = c.getValue();
      int at = header.length - 4;
      header[at] = (byte) (v >> 24);
      header[at + 1] = (byte) (v >> 16);
      header[at + 2] = (byte) (v >> 8);
      header[at + 3] = (byte) v;
    }
    return header;
  }

  private static byte[] tlv(int type, String text) {
    byte[] value = text.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[3 + value.length];
    out[0] = (byte) type;
    out[1] = (byte) (value.length >> 8);
    out[2] = (byte) value.length;
    System.arraycopy(value, 0, out, 3, value.length);
    return out;
  }

  private static ByteBuf datagram(byte[]... parts) {
    return Unpooled.wrappedBuffer(concat(parts));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] readable(ByteBuf buf) {
    return ByteBufUtil.getBytes(buf);
  }

  @Test
  void readsAndStripsAHandBuiltUdpOverIpv4HeaderOnTheFirstDatagram() {
    byte[] header = handBuilt(0x21, 0x12, CLIENT, EDGE, new byte[0], false);
    assertEquals(28, header.length, "16 + 12 bytes of IPv4 addresses and ports");
    ByteBuf d = datagram(header, PAYLOAD);
    DatagramProxyHeaders.Read read = assertInstanceOf(DatagramProxyHeaders.Read.class, DatagramProxyHeaders.first(d, true, MAX));
    assertEquals(28, read.length());
    assertEquals(ProxyHeader.Transport.DGRAM, read.header().transport());
    assertEquals(CLIENT, read.header().realClient());
    assertEquals(EDGE, read.header().destination());
    assertArrayEquals(PAYLOAD, readable(d), "the header is stripped");
  }

  @Test
  void readsUdpOverIpv6WithTlvsAndAChecksum() {
    byte[] header = handBuilt(0x21, 0x22, CLIENT6, EDGE6, tlv(ProxyTlv.AUTHORITY, "quic.example.com"), true);
    ByteBuf d = datagram(header, PAYLOAD);
    DatagramProxyHeaders.Read read = assertInstanceOf(DatagramProxyHeaders.Read.class, DatagramProxyHeaders.first(d, false, MAX));
    assertEquals(CLIENT6, read.header().realClient());
    assertEquals("quic.example.com", read.header().tlv(ProxyTlv.AUTHORITY).orElseThrow().text());
    assertArrayEquals(PAYLOAD, readable(d));
    header[header.length - 1] ^= 1;
    DatagramProxyHeaders.Refused bad = assertInstanceOf(DatagramProxyHeaders.Refused.class,
        DatagramProxyHeaders.first(datagram(header, PAYLOAD), false, MAX));
    assertTrue(bad.detail().contains("CRC32C"), bad.detail());
  }

  @Test
  void refusesAStreamHeaderAndAV1HeaderWithTheReason() {
    DatagramProxyHeaders.Refused stream = assertInstanceOf(DatagramProxyHeaders.Refused.class,
        DatagramProxyHeaders.first(datagram(handBuilt(0x21, 0x11, CLIENT, EDGE, new byte[0], false), PAYLOAD), false, MAX));
    assertTrue(stream.detail().contains("STREAM") && stream.detail().contains("0x11") && stream.detail().contains("0x12"), stream.detail());
    DatagramProxyHeaders.Refused stream6 = assertInstanceOf(DatagramProxyHeaders.Refused.class,
        DatagramProxyHeaders.first(datagram(handBuilt(0x21, 0x21, CLIENT6, EDGE6, new byte[0], false), PAYLOAD), false, MAX));
    assertTrue(stream6.detail().contains("0x21"), stream6.detail());
    byte[] v1 = "PROXY TCP4 203.0.113.7 203.0.113.1 51000 443\r\n".getBytes(StandardCharsets.US_ASCII);
    DatagramProxyHeaders.Refused text = assertInstanceOf(DatagramProxyHeaders.Refused.class,
        DatagramProxyHeaders.first(datagram(v1, PAYLOAD), false, MAX));
    assertTrue(text.detail().contains("v1"), text.detail());
  }

  @Test
  void everyTruncationOfTheHeaderIsRefusedOnceTheSignatureIsWhole() {
    byte[] header = handBuilt(0x21, 0x12, CLIENT, EDGE, tlv(0xE0, "edge-1"), true);
    for (int n = 0; n < header.length; n++) {
      byte[] cut = Arrays.copyOf(header, n);
      DatagramProxyHeaders.Outcome lenient = DatagramProxyHeaders.first(datagram(cut), false, MAX);
      DatagramProxyHeaders.Outcome strict = DatagramProxyHeaders.first(datagram(cut), true, MAX);
      assertInstanceOf(DatagramProxyHeaders.Refused.class, strict, "required, " + n + " bytes");
      if (n >= SIGNATURE.length) {
        DatagramProxyHeaders.Refused refused = assertInstanceOf(DatagramProxyHeaders.Refused.class, lenient, n + " bytes");
        assertTrue(refused.detail().contains("truncated") || refused.detail().contains("byte"), refused.detail());
      } else {
        // A short datagram that only begins like the signature is a payload, not a header.
        assertNull(assertInstanceOf(DatagramProxyHeaders.Read.class, lenient).header(), n + " bytes");
      }
    }
  }

  @Test
  void aDatagramWithoutAHeaderPassesUntouchedUnlessOneIsRequired() {
    ByteBuf d = datagram(PAYLOAD);
    DatagramProxyHeaders.Read read = assertInstanceOf(DatagramProxyHeaders.Read.class, DatagramProxyHeaders.first(d, false, MAX));
    assertNull(read.header());
    assertArrayEquals(PAYLOAD, readable(d));
    DatagramProxyHeaders.Refused missing = assertInstanceOf(DatagramProxyHeaders.Refused.class,
        DatagramProxyHeaders.first(datagram(PAYLOAD), true, MAX));
    assertTrue(missing.detail().contains("required"), missing.detail());
  }

  @Test
  void aLocalHeaderKeepsThePeer() {
    byte[] local = concat(SIGNATURE, new byte[] {0x20, 0x00, 0x00, 0x00});
    DatagramProxyHeaders.Read read = assertInstanceOf(DatagramProxyHeaders.Read.class,
        DatagramProxyHeaders.first(datagram(local, PAYLOAD), true, MAX));
    assertEquals(ProxyHeader.Command.LOCAL, read.header().command());
    assertNull(read.header().realClient());
  }

  @Test
  void laterDatagramsMayRepeatTheFlowsHeaderButNotNameAnotherClient() {
    byte[] header = handBuilt(0x21, 0x12, CLIENT, EDGE, new byte[0], false);
    ByteBuf first = datagram(header, PAYLOAD);
    ProxyHeader flowHeader = ((DatagramProxyHeaders.Read) DatagramProxyHeaders.first(first, true, MAX)).header();

    ByteBuf again = datagram(header, PAYLOAD);
    assertNull(DatagramProxyHeaders.later(again, flowHeader, MAX));
    assertArrayEquals(PAYLOAD, readable(again), "a repeated header is stripped");

    ByteBuf plain = datagram(PAYLOAD);
    assertNull(DatagramProxyHeaders.later(plain, flowHeader, MAX));
    assertArrayEquals(PAYLOAD, readable(plain), "a datagram without one passes untouched");

    byte[] other = handBuilt(0x21, 0x12, address("203.0.113.8", 51_000), EDGE, new byte[0], false);
    String refusal = DatagramProxyHeaders.later(datagram(other, PAYLOAD), flowHeader, MAX);
    assertTrue(refusal != null && refusal.contains("203.0.113.8") && refusal.contains("one socket per client"), refusal);
    assertTrue(DatagramProxyHeaders.later(datagram(header, PAYLOAD), null, MAX).contains("started without one"));
    byte[] broken = handBuilt(0x21, 0x11, CLIENT, EDGE, new byte[0], false);
    assertTrue(DatagramProxyHeaders.later(datagram(broken, PAYLOAD), flowHeader, MAX).contains("STREAM"));
  }

  @Test
  void theSentHeaderIsTheHandBuiltOneAndTheParserReadsItAsDgram() {
    ProxyProtocolSend first = new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(), Map.of(0xE0, "edge-1"));
    Sniffed quic = Sniffed.quic("quic.example.com", List.of("h3"), List.of(0x0304), false, "v1");
    FlowProxyHeader sender = FlowProxyHeader.of(first, CLIENT, EDGE, quic, "node-a:7", null);
    byte[] expected = handBuilt(0x21, 0x12, CLIENT, EDGE,
        concat(tlv(ProxyTlv.AUTHORITY, "quic.example.com"), tlv(ProxyTlv.ALPN, "h3"), tlv(ProxyTlv.UNIQUE_ID, "node-a:7"), tlv(0xE0, "edge-1")),
        true);
    ByteBuf out = sender.prepend(datagram(PAYLOAD), ByteBufAllocator.DEFAULT);
    assertArrayEquals(concat(expected, PAYLOAD), readable(out));
    ProxyHeaderResult.Match match = assertInstanceOf(ProxyHeaderResult.Match.class, ProxyHeaderParser.parse(Buffer.buffer(readable(out))));
    assertEquals(ProxyHeader.Transport.DGRAM, match.header().transport());
    assertEquals(CLIENT, match.header().realClient());
    assertEquals(EDGE, match.header().destination());
    assertEquals(expected.length, match.length());
    out.release();
    ByteBuf second = datagram(PAYLOAD);
    assertTrue(second == sender.prepend(second, ByteBufAllocator.DEFAULT), "first: only the flow's first datagram carries it");
  }

  @Test
  void withEveryDatagramEachCarriesTheSameIpv6Header() {
    ProxyProtocolSend every = new ProxyProtocolSend(ProxyProtocolSend.Version.V2, List.of(), Map.of(), ProxyProtocolSend.Datagrams.EVERY);
    FlowProxyHeader sender = FlowProxyHeader.of(every, CLIENT6, EDGE6, Sniffed.unknown(), null, null);
    byte[] expected = handBuilt(0x21, 0x22, CLIENT6, EDGE6, new byte[0], true);
    for (int i = 0; i < 3; i++) {
      ByteBuf out = sender.prepend(datagram(PAYLOAD), ByteBufAllocator.DEFAULT);
      assertArrayEquals(concat(expected, PAYLOAD), readable(out), "datagram " + i);
      ByteBuf received = Unpooled.wrappedBuffer(readable(out));
      DatagramProxyHeaders.Read read = assertInstanceOf(DatagramProxyHeaders.Read.class, DatagramProxyHeaders.first(received, true, MAX));
      assertEquals(CLIENT6, read.header().realClient());
      assertArrayEquals(PAYLOAD, readable(received));
      out.release();
    }
  }

  @Test
  void v1IsNeverSentOnADatagram() {
    assertNull(FlowProxyHeader.of(new ProxyProtocolSend(ProxyProtocolSend.Version.V1, List.of(), Map.of()), CLIENT, EDGE,
        Sniffed.unknown(), null, null));
  }
}
