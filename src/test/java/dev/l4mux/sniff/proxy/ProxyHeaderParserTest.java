package dev.l4mux.sniff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.sniff.proxy.ProxyHeader.Command;
import dev.l4mux.sniff.proxy.ProxyHeader.Family;
import dev.l4mux.sniff.proxy.ProxyHeader.Transport;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parser on the examples of HAProxy's doc/proxy-protocol.txt and on headers captured from a
 * real HAProxy 2.6 (src/test/resources/proxy-fixtures), whole, cut and corrupted.
 */
class ProxyHeaderParserTest {

  private static final String HTTP_10 = "GET / HTTP/1.0\r\n\r\n";
  private static final String HELLO = "hello\n";

  /** Section 2.1's example line, then its HTTP request. */
  private static final String SPEC_V1 = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
  /** Section 2.1's worst case: 107 bytes. */
  private static final String SPEC_WORST = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
  private static final String SPEC_V1_TCP4_MAX = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
  private static final String SPEC_V1_TCP6_MAX = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";

  static Stream<ProxyFixture> fixtures() {
    return ProxyFixture.all().stream();
  }

  private static ProxyHeaderResult.Match match(byte[] bytes) {
    return assertInstanceOf(ProxyHeaderResult.Match.class, ProxyHeaderParser.parse(Buffer.buffer(bytes)));
  }

  private static ProxyHeaderResult.NoMatch noMatch(byte[] bytes) {
    return assertInstanceOf(ProxyHeaderResult.NoMatch.class, ProxyHeaderParser.parse(Buffer.buffer(bytes)));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static InetSocketAddress at(String host, int port) {
    return new InetSocketAddress(host, port);
  }

  private static String payload(ProxyFixture f) {
    return f.name().contains("ssl") ? HELLO : HTTP_10;
  }

  @Test
  void specExampleV1GivesAddressesAndLength() {
    ProxyHeaderResult.Match m = match(ascii(SPEC_V1 + "GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n"));
    assertEquals(SPEC_V1.length(), m.length());
    assertEquals(new ProxyHeader(1, Command.PROXY, Family.INET, Transport.STREAM, at("192.168.0.1", 56324), at("192.168.0.11", 443), List.of()), m.header());
    assertEquals(at("192.168.0.1", 56324), m.header().realClient());
  }

  @Test
  void specMaximumLinesAreAccepted() {
    assertEquals(56, match(ascii(SPEC_V1_TCP4_MAX)).length());
    assertEquals(104, match(ascii(SPEC_V1_TCP6_MAX)).length());
    ProxyHeaderResult.Match worst = match(ascii(SPEC_WORST));
    assertEquals(107, worst.length());
    assertNull(worst.header().realClient(), "UNKNOWN: the receiver uses the connection's own addresses");
    assertNull(match(ascii("PROXY UNKNOWN\r\n")).header().realClient());
  }

  @Test
  void aLineLongerThan107BytesIsRefusedAtItsLimit() {
    ProxyHeaderResult.NoMatch tooLong = noMatch(ascii(SPEC_WORST.replace(" 65535\r\n", " 655350\r\n")));
    assertTrue(tooLong.reason().contains("107"), tooLong.toString());
    assertEquals(106, tooLong.offset());
    // Without a CRLF, 106 bytes still need more; the 107th decides.
    byte[] noCrlf = ascii("PROXY UNKNOWN " + "x".repeat(120));
    assertInstanceOf(ProxyHeaderResult.NeedMore.class, ProxyHeaderParser.parse(Buffer.buffer(noCrlf).getBuffer(0, 106)));
    assertInstanceOf(ProxyHeaderResult.NoMatch.class, ProxyHeaderParser.parse(Buffer.buffer(noCrlf).getBuffer(0, 107)));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "PROXY TCP4 192.0.2.1  192.0.2.2 1 2|expected exactly one space before the destination address|21",
      "PROXY TCP4 192.0.2.1 192.0.2.2 01 2|invalid source port '01'|31",
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 65536|invalid destination port '65536'|33",
      "PROXY TCP4 192.0.2.01 192.0.2.2 1 2|invalid IPv4 source address '192.0.2.01'|11",
      "PROXY TCP4 192.0.2.1 192.0.2.256 1 2|invalid IPv4 destination address '192.0.2.256'|21",
      "PROXY TCP4 ::1 192.0.2.2 1 2|invalid IPv4 source address '::1'|11",
      "PROXY TCP6 192.0.2.1 ::1 1 2|invalid IPv6 source address '192.0.2.1'|11",
      "PROXY TCP6 ::1 1:2:3:4:5:6:7:8:9 1 2|invalid IPv6 destination address '1:2:3:4:5:6:7:8:9'|15",
      "PROXY TCP6 1::2::3 ::1 1 2|invalid IPv6 source address '1::2::3'|11",
      "PROXY TCP4 192.0.2.1 192.0.2.2 1|missing destination port|32",
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3|unexpected text after the destination port|34",
      "PROXY tcp4 192.0.2.1 192.0.2.2 1 2|unknown protocol 'tcp4'|6",
      "PROXY UDP4 192.0.2.1 192.0.2.2 1 2|unknown protocol 'UDP4'|6",
      "'PROXY TCP4 192.0.2.1 192.0.2.2 1 2 '|unexpected text after the destination port|34",
  })
  void malformedV1FieldsAreNamedWithTheirOffset(String line, String reason, int offset) {
    ProxyHeaderResult.NoMatch bad = noMatch(ascii(line + "\r\n"));
    assertTrue(bad.reason().contains(reason), bad.reason());
    assertEquals(offset, bad.offset(), bad.toString());
    assertTrue(bad.signatureSeen());
  }

  @Test
  void aLoneLfOrCrEndsNothing() {
    ProxyHeaderResult.NoMatch lf = noMatch(ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n"));
    assertTrue(lf.reason().contains("LF without CR"), lf.reason());
    assertEquals(34, lf.offset());
    ProxyHeaderResult.NoMatch cr = noMatch(ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\rX"));
    assertTrue(cr.reason().contains("CR not followed by LF"), cr.reason());
    assertEquals(35, cr.offset());
    ProxyHeaderResult.NoMatch nonAscii = noMatch(ascii("PROXY TCP4 192.0.2.1\u00e9"));
    assertEquals(20, nonAscii.offset());
  }

  @Test
  void ipv6TextFormsInetNtopWrites() {
    ProxyHeader mapped = match(ascii("PROXY TCP6 ::ffff:203.0.113.7 ::1 40000 443\r\n")).header();
    assertEquals(at("203.0.113.7", 40000), mapped.source(), "the JDK turns a mapped address into IPv4");
    ProxyHeader compressed = match(ascii("PROXY TCP6 2001:db8::1 2001:DB8:0:0:0:0:0:2 1 2\r\n")).header();
    assertEquals(at("2001:db8::1", 1), compressed.source());
    assertEquals(at("2001:db8::2", 2), compressed.destination());
    assertEquals(at("1::", 3), match(ascii("PROXY TCP6 1:: :: 3 0\r\n")).header().source());
  }

  @Test
  void notAHeaderIsRefusedAtTheFirstByteThatDiffers() {
    ProxyHeaderResult.NoMatch http = noMatch(ascii("GET / HTTP/1.1\r\n"));
    assertEquals(0, http.offset());
    assertFalse(http.signatureSeen());
    ProxyHeaderResult.NoMatch propfind = noMatch(ascii("PROPFIND / HTTP/1.1\r\n"));
    assertEquals(3, propfind.offset());
    assertFalse(propfind.signatureSeen(), "an HTTP method that starts like PROXY is a stream, not a broken header");
    ProxyHeaderResult.NoMatch crlf = noMatch(ascii("\r\n\r\nhello"));
    assertEquals(4, crlf.offset());
    assertFalse(crlf.signatureSeen());
    assertInstanceOf(ProxyHeaderResult.NeedMore.class, ProxyHeaderParser.parse(Buffer.buffer()));
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void everyHaproxyFixtureParsesAndStopsWhereTheClientBytesBegin(ProxyFixture f) {
    ProxyHeaderResult.Match m = match(f.bytes());
    String rest = new String(f.bytes(), m.length(), f.bytes().length - m.length(), StandardCharsets.ISO_8859_1);
    assertEquals(payload(f), rest);
    assertNotNull(m.header().realClient());
    assertEquals(f.name().contains("v2") ? 2 : 1, m.header().version());
    assertEquals(f.name().contains("tcp6") ? Family.INET6 : Family.INET, m.header().family());
    assertTrue(f.producedBy().contains("HAProxy"), f.producedBy());
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void everyStrictPrefixOfAFixtureNeedsMore(ProxyFixture f) {
    int length = match(f.bytes()).length();
    Buffer whole = Buffer.buffer(f.bytes());
    for (int cut = 0; cut < length; cut++) {
      assertInstanceOf(ProxyHeaderResult.NeedMore.class, ProxyHeaderParser.parse(whole.getBuffer(0, cut)), "prefix of " + cut);
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void aFixtureReassembledFromSmallReadsGivesTheSameHeader(ProxyFixture f) {
    ProxyHeaderResult.Match whole = match(f.bytes());
    Buffer growing = Buffer.buffer();
    ProxyHeaderResult last = null;
    for (int i = 0; i < f.bytes().length && !(last instanceof ProxyHeaderResult.Match); i += 3) {
      growing.appendBytes(f.bytes(), i, Math.min(3, f.bytes().length - i));
      last = ProxyHeaderParser.parse(growing);
    }
    assertEquals(whole, last);
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void everySingleByteCorruptionIsABoundedAnswerNeverAnException(ProxyFixture f) {
    int length = match(f.bytes()).length();
    for (int i = 0; i < length; i++) {
      for (int flip : new int[] {0x01, 0x80, 0xFF}) {
        byte[] bad = f.bytes().clone();
        bad[i] ^= (byte) flip;
        ProxyHeaderResult r = ProxyHeaderParser.parse(Buffer.buffer(bad));
        assertNotNull(r);
        if (r instanceof ProxyHeaderResult.NoMatch n) {
          assertTrue(n.offset() >= 0 && n.offset() <= bad.length, n.toString());
          assertFalse(n.reason().isBlank());
        } else if (r instanceof ProxyHeaderResult.Match m) {
          assertTrue(m.length() <= bad.length);
        }
      }
    }
  }

  @Test
  void haproxyV1FixturesCarryTheClientAndTheFrontend() {
    ProxyHeader v1 = match(ProxyFixture.named("haproxy-send-proxy-tcp4").bytes()).header();
    assertEquals(at("127.0.0.1", 41680), v1.source());
    assertEquals(at("127.0.0.1", 18001), v1.destination());
    ProxyHeader v1six = match(ProxyFixture.named("haproxy-send-proxy-tcp6").bytes()).header();
    assertEquals(at("::1", 36036), v1six.source());
    assertEquals(at("::1", 18004), v1six.destination());
  }

  @Test
  void haproxyCrc32cAndUniqueIdAreVerifiedAndKept() {
    ProxyHeader h = match(ProxyFixture.named("haproxy-send-proxy-v2-crc32c-unique-id").bytes()).header();
    assertEquals(at("127.0.0.1", 18003), h.destination());
    assertEquals("l4mux-fixture-127.0.0.1-50596", h.tlv(ProxyTlv.UNIQUE_ID).orElseThrow().text());
    assertTrue(h.tlv(ProxyTlv.CRC32C).isEmpty(), "the checksum has done its work");
  }

  @Test
  void aWrongCrc32cIsRefusedAtTheChecksum() {
    byte[] bytes = ProxyFixture.named("haproxy-send-proxy-v2-crc32c-unique-id").bytes();
    bytes[16] ^= 1; // the source address: the header stays well-formed, only the checksum notices
    ProxyHeaderResult.NoMatch bad = noMatch(bytes);
    assertTrue(bad.reason().contains("CRC32C mismatch"), bad.reason());
    assertEquals(31, bad.offset()); // 16 + 12 address bytes + 3 of the TLV's type and length
  }

  @Test
  void haproxySslCnFixtureCarriesEverySslSubTlv() {
    ProxyHeader h = match(ProxyFixture.named("haproxy-send-proxy-v2-ssl-cn").bytes()).header();
    assertEquals("edge.example.com", h.tlv(ProxyTlv.AUTHORITY).orElseThrow().text());
    ProxyTlv ssl = h.tlv(ProxyTlv.SSL).orElseThrow();
    assertEquals(ProxyTlv.CLIENT_SSL | ProxyTlv.CLIENT_CERT_CONN | ProxyTlv.CLIENT_CERT_SESS, ssl.sslClient());
    assertEquals(0, ssl.sslVerify());
    Map<String, String> described = ProxyTlv.describe(h.tlvs());
    assertEquals("TLSv1.3", described.get("ssl.version"));
    assertEquals("client.example.com", described.get("ssl.cn"));
    assertEquals("TLS_AES_256_GCM_SHA384", described.get("ssl.cipher"));
    assertEquals("ecdsa-with-SHA256", described.get("ssl.sigAlg"));
    assertEquals("EC256", described.get("ssl.keyAlg"));
    assertEquals("l4mux-fixture-cn", described.get("uniqueId"));
    assertEquals("0x07", described.get("ssl.client"));
  }

  @Test
  void haproxy3CustomTlvsFixtureCarriesTheFormattedValuesAndAValidCrc() {
    ProxyFixture f = ProxyFixture.named("haproxy-send-proxy-v2-custom-tlvs");
    ProxyHeaderResult.Match m = match(f.bytes());
    ProxyHeader h = m.header();
    assertEquals(at("203.0.113.7", 37744), h.source());
    assertEquals("tenant-203.0.113.7", h.tlv(0xE0).orElseThrow().text());
    assertEquals("edge-1", h.tlv(0xE1).orElseThrow().text());
    byte[] wrongCrc = f.bytes().clone();
    wrongCrc[61] ^= 0x01; // the first byte of the CRC32C TLV's value (type 0x03 at offset 58)
    assertEquals(0x03, wrongCrc[58]);
    noMatch(wrongCrc);
    assertEquals(HTTP_10, new String(f.bytes(), m.length(), f.bytes().length - m.length(), StandardCharsets.US_ASCII));
    Map<String, String> described = ProxyTlv.describe(h.tlvs());
    assertEquals("tenant-203.0.113.7", described.get("0xe0"));
  }

  @Test
  void haproxySslFixtureWithoutClientCertificate() {
    ProxyHeader h = match(ProxyFixture.named("haproxy-send-proxy-v2-ssl").bytes()).header();
    ProxyTlv ssl = h.tlv(ProxyTlv.SSL).orElseThrow();
    assertEquals(ProxyTlv.CLIENT_SSL, ssl.sslClient());
    assertFalse(ProxyTlv.describe(h.tlvs()).containsKey("ssl.cn"));
  }

  /** A v2 header: fixed part with {@code verCmd}, {@code fam}, then {@code body}. */
  private static byte[] v2(int verCmd, int fam, String bodyHex) {
    byte[] body = HexFormat.of().parseHex(bodyHex.replace(" ", ""));
    Buffer b = Buffer.buffer().appendBytes(ProxyV2Parser.SIGNATURE).appendByte((byte) verCmd).appendByte((byte) fam)
        .appendUnsignedShort(body.length).appendBytes(body);
    return b.getBytes();
  }

  private static final String INET_BLOCK = "cb007107 7f000001 9c40 01bb"; // 203.0.113.7:40000 -> 127.0.0.1:443

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0x11|0x11|" + INET_BLOCK + "|version 1|12",
      "0x22|0x11|" + INET_BLOCK + "|command 2|12",
      "0x21|0x41|" + INET_BLOCK + "|address family 4|13",
      "0x21|0x13|" + INET_BLOCK + "|transport 3|13",
      "0x21|0x11|cb007107|too short for the INET address block of 12 bytes|14",
      "0x21|0x21|" + INET_BLOCK + "|too short for the INET6 address block of 36 bytes|14",
      "0x21|0x11|" + INET_BLOCK + " e0 0005 6162|TLV 0xe0 of length 5 overruns the header by 3 bytes|28",
      "0x21|0x11|" + INET_BLOCK + " e0 00|truncated TLV header (2 of 3 bytes)|28",
      "0x21|0x11|" + INET_BLOCK + " 03 0003 000000|CRC32C TLV of length 3|28",
      "0x21|0x11|" + INET_BLOCK + " 20 0004 01000000|SSL TLV of length 4|28",
      "0x21|0x11|" + INET_BLOCK + " 20 0008 01 00000000 21 0009|SSL sub-TLV version of length 9 overruns|36",
      "0x21|0x11|" + INET_BLOCK + " 02 0002 c328|AUTHORITY is not valid UTF-8|31",
      "0x21|0x11|" + INET_BLOCK + " 30 0001 ff|NETNS is not US-ASCII|31",
  })
  void malformedV2IsRefusedWithTheFieldAndOffset(String verCmd, String fam, String body, String reason, int offset) {
    ProxyHeaderResult.NoMatch bad = noMatch(v2(Integer.decode(verCmd), Integer.decode(fam), body));
    assertTrue(bad.reason().contains(reason), bad.reason());
    assertEquals(offset, bad.offset(), bad.toString());
    assertTrue(bad.signatureSeen());
  }

  @Test
  void uniqueIdIsBoundedAt128Bytes() {
    String ok = INET_BLOCK + " 05 0080 " + "41".repeat(128);
    assertEquals(128, match(v2(0x21, 0x11, ok)).header().tlv(ProxyTlv.UNIQUE_ID).orElseThrow().length());
    ProxyHeaderResult.NoMatch bad = noMatch(v2(0x21, 0x11, INET_BLOCK + " 05 0081 " + "41".repeat(129)));
    assertTrue(bad.reason().contains("at most 128"), bad.reason());
  }

  @Test
  void aHeaderLongerThanTheCapIsRefusedBeforeItsBytesArrive() {
    byte[] fixed = v2(0x21, 0x11, INET_BLOCK + " e0 1000" + "00".repeat(0x1000));
    ProxyHeaderResult r = ProxyHeaderParser.parse(Buffer.buffer(fixed).getBuffer(0, 16), 1024);
    ProxyHeaderResult.NoMatch bad = assertInstanceOf(ProxyHeaderResult.NoMatch.class, r);
    assertTrue(bad.reason().contains("exceeds the limit of 1024"), bad.reason());
  }

  @Test
  void localCommandKeepsThePeerAddressAndSkipsAnyAddressBlock() {
    ProxyHeaderResult.Match local = match(v2(0x20, 0x00, ""));
    assertEquals(Command.LOCAL, local.header().command());
    assertNull(local.header().realClient());
    ProxyHeaderResult.Match localInet = match(v2(0x20, 0x11, INET_BLOCK));
    assertNull(localInet.header().realClient(), "LOCAL: the family and addresses are ignored");
    assertEquals(28, localInet.length());
  }

  @Test
  void unixUnspecAndDgramFamilies() {
    ProxyHeader unix = match(v2(0x21, 0x31, "00".repeat(216))).header();
    assertEquals(Family.UNIX, unix.family());
    assertNull(unix.realClient());
    ProxyHeader unspec = match(v2(0x21, 0x00, "")).header();
    assertNull(unspec.realClient());
    ProxyHeader dgram = match(v2(0x21, 0x12, INET_BLOCK)).header();
    assertEquals(Transport.DGRAM, dgram.transport());
    assertEquals(at("203.0.113.7", 40000), dgram.realClient());
  }

  @Test
  void unknownAndCustomTlvsAreKeptRawAndNoopIsDropped() {
    ProxyHeader h = match(v2(0x21, 0x11, INET_BLOCK + " 04 0002 0000 e0 0003 010203 f8 0001 41 01 0002 6832")).header();
    assertEquals(List.of(ProxyTlv.of(0xE0, new byte[] {1, 2, 3}), ProxyTlv.of(0xF8, new byte[] {'A'}), ProxyTlv.text(ProxyTlv.ALPN, "h2")), h.tlvs());
    assertEquals(Map.of("0xe0", "0x010203", "0xf8", "A", "alpn", "h2"), ProxyTlv.describe(h.tlvs()));
  }

  @Test
  void theSignatureOfAForgedHeaderIsToldOnEveryPrefix() {
    byte[] v1 = "PROXY TCP4 203.0.113.7 192.0.2.1 1 2\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] v2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11};
    for (byte[] header : List.of(v1, v2)) {
      int signatureLength = header == v1 ? 6 : 12;
      for (int n = 0; n <= header.length; n++) {
        Buffer prefix = Buffer.buffer(java.util.Arrays.copyOf(header, n));
        assertEquals(n < signatureLength ? ProxyHeaderParser.Signature.NEED_MORE : ProxyHeaderParser.Signature.PRESENT,
            ProxyHeaderParser.signature(prefix), "prefix of " + n);
      }
    }
    assertEquals(ProxyHeaderParser.Signature.ABSENT, ProxyHeaderParser.signature(Buffer.buffer("PROXIMA")));
    assertEquals(ProxyHeaderParser.Signature.ABSENT, ProxyHeaderParser.signature(Buffer.buffer("GET / HTTP/1.1")));
    assertEquals(ProxyHeaderParser.Signature.ABSENT, ProxyHeaderParser.signature(Buffer.buffer(new byte[] {0x0D, 0x0A, 0x0D, 0x0B})));
  }
}
