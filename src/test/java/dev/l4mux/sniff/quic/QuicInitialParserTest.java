package dev.l4mux.sniff.quic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.sniff.DatagramFixture;
import dev.l4mux.sniff.quic.QuicInitialResult.NotInitial;
import dev.l4mux.sniff.quic.QuicInitialResult.Parsed;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** QUIC Initial decryption and CRYPTO reassembly on RFC vectors, real captures and built packets. */
class QuicInitialParserTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] RFC_DCID = HEX.parseHex("8394c8f03e515708");

  /** The unprotected payload of RFC 9001 A.2 (also RFC 9369 A.2): one CRYPTO frame, then PADDING. */
  private static final byte[] RFC_PAYLOAD =
      QuicPacketBuilder.frames(
          1162,
          HEX.parseHex(
              "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
                  + "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
                  + "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
                  + "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
                  + "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
                  + "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
                  + "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
                  + "75300901100f088394c8f03e51570806048000ffff"));

  /** The ClientHello inside it: 4 bytes of handshake header plus 0xed of body. */
  private static final byte[] RFC_CLIENT_HELLO = java.util.Arrays.copyOfRange(RFC_PAYLOAD, 4, 4 + 0xf1);

  @Test
  void derivesTheClientInitialKeysOfRfc9001AppendixA1() {
    QuicInitialKeys keys = QuicInitialKeys.client(QuicVersion.V1, RFC_DCID);
    assertEquals("1f369613dd76d5467730efcbe3b1a22d", HEX.formatHex(keys.key()));
    assertEquals("fa044b2f42a3fd3b46fb255c", HEX.formatHex(keys.iv()));
    assertEquals("9f50449e04a0e810283a1e9933adedd2", HEX.formatHex(keys.headerProtectionKey()));
  }

  @Test
  void derivesTheClientInitialKeysOfRfc9369AppendixA1() {
    QuicInitialKeys keys = QuicInitialKeys.client(QuicVersion.V2, RFC_DCID);
    assertEquals("8b1a0bc121284290a29e0971b5cd045d", HEX.formatHex(keys.key()));
    assertEquals("91f73e2351d8fa91660e909f", HEX.formatHex(keys.iv()));
    assertEquals("45b95e15235d6f45a6b19cbcb0294ba9", HEX.formatHex(keys.headerProtectionKey()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"quic/rfc9001-a2-client-initial", "quic/rfc9369-a2-client-initial"})
  void builderReproducesTheRfcPacketsByteForByte(String name) {
    QuicVersion version = name.contains("9369") ? QuicVersion.V2 : QuicVersion.V1;
    byte[] built = new QuicPacketBuilder(version, RFC_DCID, new byte[0]).initial(2, RFC_PAYLOAD);
    assertArrayEquals(DatagramFixture.named(name).datagrams().get(0), built);
  }

  @ParameterizedTest
  @ValueSource(strings = {"quic/rfc9001-a2-client-initial", "quic/rfc9369-a2-client-initial"})
  void rfcClientInitialDecryptsToThePublishedClientHello(String name) {
    Parsed parsed = assertInstanceOf(Parsed.class, QuicInitialParser.parse(DatagramFixture.named(name).buffers()));
    assertEquals(name.contains("9369") ? QuicVersion.V2 : QuicVersion.V1, parsed.version());
    assertArrayEquals(RFC_DCID, parsed.destinationId());
    assertEquals(0, parsed.sourceId().length);
    assertEquals("example.com", parsed.clientHello().serverName());
    assertEquals(List.of("alpn"), parsed.clientHello().alpn());
    assertEquals(List.of(0x0304), parsed.clientHello().supportedVersions());
  }

  @Test
  void clientHelloOverTwoRealDatagramsNeedsBoth() {
    DatagramFixture fixture = DatagramFixture.named("quic/ngtcp2-v1-two-datagram-hello");
    assertEquals(2, fixture.datagrams().size());
    assertInstanceOf(QuicInitialResult.NeedMore.class, QuicInitialParser.parse(fixture.buffers(1)));
    Parsed parsed = assertInstanceOf(Parsed.class, QuicInitialParser.parse(fixture.buffers()));
    assertEquals("big.example.com", parsed.clientHello().serverName());
    assertTrue(parsed.clientHello().serverName() != null);
    // Datagrams reordered by the network: the stream is reassembled by offset.
    List<Buffer> reversed = new ArrayList<>(fixture.buffers());
    java.util.Collections.reverse(reversed);
    assertEquals(parsed.toString(), QuicInitialParser.parse(reversed).toString());
    assertInstanceOf(QuicInitialResult.NeedMore.class, QuicInitialParser.parse(reversed.subList(0, 1)));
  }

  @Test
  void unknownAndDraftVersionsAreNoMatch() {
    NotInitial draft =
        assertInstanceOf(
            NotInitial.class,
            QuicInitialParser.parse(DatagramFixture.named("quic/ngtcp2-v2draft").buffers()));
    assertEquals("unknown QUIC version 0x709a50c4", draft.reason());
    assertEquals(1, draft.byteOffset());
  }

  @Test
  void versionNegotiationIsNoMatch() {
    byte[] negotiation = HEX.parseHex("c0000000000401020304040506070800000001");
    NotInitial result =
        assertInstanceOf(NotInitial.class, QuicInitialParser.parse(List.of(Buffer.buffer(negotiation))));
    assertTrue(result.reason().startsWith("version negotiation"), result.reason());
  }

  @ParameterizedTest
  @EnumSource(QuicVersion.class)
  void cryptoSplitAtEveryByteNeedsTheSecondPacketCoalescedOrNot(QuicVersion version) {
    QuicPacketBuilder builder = new QuicPacketBuilder(version, RFC_DCID, HEX.parseHex("c0ffee"));
    byte[] hello = RFC_CLIENT_HELLO;
    for (int cut = 1; cut < hello.length; cut++) {
      byte[] first = builder.initial(0, QuicPacketBuilder.frames(0, new byte[] {0x01},
          QuicPacketBuilder.cryptoFrame(0, hello, 0, cut)));
      byte[] second = builder.initial(1, QuicPacketBuilder.frames(600,
          QuicPacketBuilder.cryptoFrame(cut, hello, cut, hello.length)));
      String at = "cut " + cut;
      assertInstanceOf(QuicInitialResult.NeedMore.class, parse(first), at);
      assertInstanceOf(QuicInitialResult.NeedMore.class, parse(second), at);
      Parsed coalesced = assertInstanceOf(Parsed.class, parse(QuicPacketBuilder.concat(first, second)), at);
      assertEquals("example.com", coalesced.clientHello().serverName(), at);
      assertEquals(version, coalesced.version());
      assertArrayEquals(HEX.parseHex("c0ffee"), coalesced.sourceId());
      assertInstanceOf(Parsed.class, parse(second, first), at);
    }
  }

  @Test
  void manyOverlappingFramesWithAckAndPingStillReassemble() {
    QuicPacketBuilder builder = new QuicPacketBuilder(QuicVersion.V1, RFC_DCID, new byte[0]);
    byte[] hello = RFC_CLIENT_HELLO;
    List<byte[]> frames = new ArrayList<>();
    frames.add(HEX.parseHex("0300000000000000")); // ACK_ECN: largest 0, delay 0, 0 ranges, ECN counts
    for (int start = hello.length - 7; start >= 0; start -= 7) {
      frames.add(QuicPacketBuilder.cryptoFrame(start, hello, start, Math.min(hello.length, start + 13)));
      frames.add(new byte[] {0x01});
    }
    frames.add(QuicPacketBuilder.cryptoFrame(0, hello, 0, 7));
    byte[] packet = builder.initial(0, QuicPacketBuilder.frames(1100, frames.toArray(byte[][]::new)));
    assertEquals("example.com", assertInstanceOf(Parsed.class, parse(packet)).clientHello().serverName());
  }

  @Test
  void framesNotAllowedInInitialPacketsAreNoMatch() {
    QuicPacketBuilder builder = new QuicPacketBuilder(QuicVersion.V1, RFC_DCID, new byte[0]);
    byte[] stream = QuicPacketBuilder.frames(1100, HEX.parseHex("08000000"), // STREAM
        QuicPacketBuilder.cryptoFrame(0, RFC_CLIENT_HELLO, 0, RFC_CLIENT_HELLO.length));
    NotInitial result = assertInstanceOf(NotInitial.class, parse(builder.initial(0, stream)));
    assertTrue(result.reason().contains("0x8 not allowed in Initial"), result.reason());
    byte[] close = QuicPacketBuilder.frames(1100, HEX.parseHex("1c0000000000"));
    assertInstanceOf(NotInitial.class, parse(builder.initial(0, close)));
    byte[] tooFar = QuicPacketBuilder.frames(1100,
        QuicPacketBuilder.cryptoFrame(QuicInitialParser.MAX_CRYPTO_BYTES - 3, RFC_CLIENT_HELLO, 0, 4));
    assertInstanceOf(NotInitial.class, parse(builder.initial(0, tooFar)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"quic/rfc9001-a2-client-initial", "quic/rfc9369-a2-client-initial",
      "quic/ngtcp2-v1-sni-h3"})
  void everyTruncationAndEveryCorruptedByteIsNoMatch(String name) {
    byte[] datagram = DatagramFixture.named(name).datagrams().get(0);
    for (int length = 0; length < datagram.length; length++) {
      byte[] cut = java.util.Arrays.copyOf(datagram, length);
      assertInstanceOf(NotInitial.class, parse(cut), "truncated to " + length);
    }
    for (int i = 0; i < datagram.length; i++) {
      byte[] corrupt = datagram.clone();
      corrupt[i] ^= (byte) 0x41;
      assertInstanceOf(NotInitial.class, parse(corrupt), "byte " + i + " corrupted");
    }
  }

  @Test
  void shortAndForeignDatagramsAreNoMatch() {
    for (String hex : new String[] {"", "00", "40", "c0", "c000000001", "c00000000115",
        "c0000000010401020304", "c000000001080102030405060708000000"}) {
      assertInstanceOf(NotInitial.class, parse(HEX.parseHex(hex)), hex);
    }
  }

  private static QuicInitialResult parse(byte[]... datagrams) {
    List<Buffer> buffers = new ArrayList<>();
    for (byte[] datagram : datagrams) {
      buffers.add(Buffer.buffer(datagram.clone()));
    }
    return QuicInitialParser.parse(buffers);
  }
}
