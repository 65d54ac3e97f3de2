package dev.l4mux.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.sniff.tls.ClientHello;
import dev.l4mux.sniff.tls.ClientHelloParser;
import dev.l4mux.sniff.tls.ClientHelloResult;
import dev.l4mux.sniff.tls.ClientHelloResult.Malformed;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientHelloParserTest {

  private static final int RECORD_AND_HANDSHAKE_HEADERS = 5 + 4;

  private static ClientHelloResult parse(byte[] records) {
    return ClientHelloParser.parseRecords(Buffer.buffer(records));
  }

  private static ClientHello parsed(byte[] records) {
    return assertInstanceOf(ClientHelloResult.Parsed.class, parse(records)).clientHello();
  }

  private static Malformed malformed(byte[] records) {
    return assertInstanceOf(Malformed.class, parse(records));
  }

  @Test
  void readsEveryFieldOfTheCapturedOpensslHello() {
    ClientHello hello = parsed(Fixture.named("tls/openssl-tls13-sni-alpn").bytes());
    assertEquals(0x0303, hello.legacyVersion());
    assertEquals(32, hello.sessionIdLength());
    assertTrue(hello.cipherSuiteCount() > 3);
    assertEquals("a.example.com", hello.serverName());
    assertEquals(List.of("h2", "http/1.1"), hello.alpn());
    assertEquals(List.of(0x0304, 0x0303, 0x0302, 0x0301), hello.supportedVersions());
    assertTrue(hello.extensionTypes().containsAll(List.of(0, 16, 43)));
  }

  @Test
  void bodyParserIsUsableWithoutRecordsForQuic() {
    byte[] handshake =
        new ClientHelloBuilder().serverName("quic.example.com").alpn("h3").handshake();
    ClientHelloResult viaMessage =
        ClientHelloParser.parseHandshakeMessage(handshake, handshake.length);
    ClientHelloResult viaBody =
        ClientHelloParser.parseClientHelloBody(Arrays.copyOfRange(handshake, 4, handshake.length));
    assertEquals(viaMessage, viaBody);
    assertEquals(
        "quic.example.com",
        assertInstanceOf(ClientHelloResult.Parsed.class, viaBody).clientHello().serverName());
    for (int length = 0; length < handshake.length; length++) {
      assertInstanceOf(
          ClientHelloResult.NeedMore.class,
          ClientHelloParser.parseHandshakeMessage(handshake, length));
    }
  }

  @Test
  void lowerCasesTheServerNameAndDropsGreaseVersions() {
    ClientHello hello =
        parsed(
            new ClientHelloBuilder()
                .serverName("WWW.Example.COM")
                .supportedVersions(0x3a3a, 0x0304)
                .records());
    assertEquals("www.example.com", hello.serverName());
    assertEquals(List.of(0x0304), hello.offeredVersions());
  }

  @Test
  void tls12HelloWithoutExtensionsOffersItsLegacyVersion() {
    ClientHelloBuilder builder = new ClientHelloBuilder();
    builder.withExtensionsBlock = false;
    ClientHello hello = parsed(builder.records());
    assertEquals(List.of(0x0303), hello.offeredVersions());
    assertEquals(null, hello.serverName());
  }

  @Test
  void reportsEncryptedClientHelloWithTheOuterName() {
    ClientHello hello =
        parsed(
            new ClientHelloBuilder()
                .serverName("public.example.com")
                .encryptedClientHello()
                .records());
    assertTrue(hello.encryptedClientHello());
    assertEquals("public.example.com", hello.serverName());
  }

  @Test
  void reassemblesAHelloLargerThanOneRecord() {
    ClientHelloBuilder builder = new ClientHelloBuilder().serverName("big.example.com");
    builder.extension(0x0015, new byte[20_000]); // RFC 7685 padding
    byte[] records = builder.records();
    assertTrue(records.length > 20_000 && records[5 + (1 << 14)] == 22, "expected two records");
    assertEquals("big.example.com", parsed(records).serverName());
  }

  @Test
  void handshakeClaimingSixteenMegabytesIsMalformedAsSoonAsTheLengthIsSeen() {
    byte[] records = {22, 3, 1, 0, 4, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    Malformed malformed = malformed(records);
    assertEquals(8, malformed.byteOffset());
    // The same claim split over one-byte records is refused just as early.
    assertInstanceOf(
        Malformed.class, parse(TlsRecords.fragment(Arrays.copyOfRange(records, 5, 9), 1, 0x0301)));
  }

  @Test
  void sslv2CompatibleHelloIsNotATlsRecord() {
    // RFC 5246 E.2: msg_length with the high bit set, then msg_type 1, then version 3.1.
    byte[] sslv2 = {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10};
    assertEquals(new Malformed("not a TLS handshake record", 0), parse(sslv2));
  }

  @Test
  void recordLayerViolationsPointAtTheOffendingByte() {
    assertEquals(1, malformed(new byte[] {22, 2}).byteOffset());
    assertEquals(2, malformed(new byte[] {22, 3, 5}).byteOffset());
    assertEquals(3, malformed(new byte[] {22, 3, 1, 0, 0}).byteOffset()); // zero-length record
    assertEquals(3, malformed(new byte[] {22, 3, 1, 0x41, 0x01}).byteOffset()); // 2^14 + 257
    assertEquals(5, malformed(new byte[] {22, 3, 1, 0, 4, 2}).byteOffset()); // ServerHello first
    byte[] interleaved = {22, 3, 1, 0, 1, 1, 23, 3, 3, 0, 1, 0};
    assertEquals(6, malformed(interleaved).byteOffset());
  }

  @Test
  void needsMoreForEveryValidPrefixOfTheRecordHeader() {
    for (byte[] prefix :
        new byte[][] {{}, {22}, {22, 3}, {22, 3, 1}, {22, 3, 1, 0}, {22, 3, 1, 0, 9}}) {
      assertInstanceOf(ClientHelloResult.NeedMore.class, parse(prefix));
    }
  }

  @Test
  void bodyViolationsAreMappedBackToStreamOffsets() {
    ClientHelloBuilder longSessionId = new ClientHelloBuilder();
    longSessionId.sessionId = new byte[33];
    assertEquals(
        RECORD_AND_HANDSHAKE_HEADERS + 34, malformed(longSessionId.records()).byteOffset());

    ClientHelloBuilder oddCiphers = new ClientHelloBuilder();
    oddCiphers.sessionId = new byte[0];
    oddCiphers.cipherSuites = new int[0];
    assertEquals(RECORD_AND_HANDSHAKE_HEADERS + 35, malformed(oddCiphers.records()).byteOffset());

    ClientHelloBuilder noCompression = new ClientHelloBuilder();
    noCompression.compressionMethods = new byte[0];
    assertInstanceOf(Malformed.class, parse(noCompression.records()));

    ClientHelloBuilder tls4 = new ClientHelloBuilder();
    tls4.legacyVersion = 0x0403;
    assertEquals(RECORD_AND_HANDSHAKE_HEADERS, malformed(tls4.records()).byteOffset());

    // Offsets stay right when the body is spread over one-byte records: 6 bytes per body byte.
    byte[] tiny = TlsRecords.refragment(longSessionId.records(), 1);
    assertEquals(6 * (4 + 34) + 5, malformed(tiny).byteOffset());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "a..b", "a.example.com.", "10.0.0.1", "[::1]", "a b", "caf\u00e9.example"})
  void invalidServerNamesAreMalformed(String name) {
    assertInstanceOf(
        Malformed.class, parse(new ClientHelloBuilder().serverName(name).records()), name);
  }

  @Test
  void structuralExtensionErrorsAreMalformed() {
    assertInstanceOf(Malformed.class, parse(new ClientHelloBuilder().alpn("h2", "").records()));
    assertInstanceOf(Malformed.class, parse(new ClientHelloBuilder().alpn().records()));
    assertInstanceOf(
        Malformed.class, parse(new ClientHelloBuilder().supportedVersions().records()));
    assertInstanceOf(
        Malformed.class,
        parse(new ClientHelloBuilder().serverName("a.example").serverName("b.example").records()));
    assertInstanceOf(
        Malformed.class, parse(new ClientHelloBuilder().extension(0, new byte[] {0, 0}).records()));
    assertInstanceOf(
        Malformed.class,
        parse(new ClientHelloBuilder().extension(43, new byte[] {3, 3, 4}).records()));
  }

  @Test
  void trailingBytesAfterTheExtensionsAreMalformed() {
    byte[] body = new ClientHelloBuilder().serverName("a.example").body();
    byte[] withTrailing = Arrays.copyOf(body, body.length + 1);
    assertInstanceOf(Malformed.class, ClientHelloParser.parseClientHelloBody(withTrailing));
  }

  @Test
  void unknownNameTypesAreSkippedButHostNameIsKept() {
    byte[] list = {0, 10, 7, 0, 2, 'x', 'y', 0, 0, 2, 'a', 'b'};
    ClientHello hello = parsed(new ClientHelloBuilder().extension(0, list).records());
    assertEquals("ab", hello.serverName());
  }
}
