package dev.l4mux.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The WireGuard handshake initiation check (whitepaper 5.4.2) on real and altered messages. */
class WireGuardSnifferTest {

  private final WireGuardSniffer sniffer = new WireGuardSniffer();
  private final byte[] initiation =
      DatagramFixture.named("wireguard/wireguard-go-initiation").datagrams().get(0);

  @Test
  void realInitiationMatchesWithItsSenderIndex() {
    assertEquals(
        SniffResult.match(Sniffed.wireguard("sender=a4a394a3")),
        sniffer.sniff(List.of(Buffer.buffer(initiation))));
  }

  @Test
  void laterDatagramsDoNotChangeTheDecision() {
    Buffer transport = Buffer.buffer(new byte[] {4, 0, 0, 0, 1, 2, 3, 4});
    assertEquals(
        sniffer.sniff(List.of(Buffer.buffer(initiation))),
        sniffer.sniff(List.of(Buffer.buffer(initiation), transport)));
  }

  @Test
  void everyOtherLengthIsNoMatch() {
    for (int length = 0; length <= 300; length++) {
      if (length == WireGuardSniffer.HANDSHAKE_INITIATION_LENGTH) {
        continue;
      }
      byte[] bytes = java.util.Arrays.copyOf(initiation, length);
      assertInstanceOf(SniffResult.NoMatch.class, sniffer.sniff(List.of(Buffer.buffer(bytes))), "length " + length);
    }
  }

  @Test
  void otherMessageTypesAndNonZeroReservedBytesAreNoMatch() {
    for (int offset = 0; offset < 4; offset++) {
      for (int value : new int[] {2, 3, 4, 0x80, 0xff}) {
        byte[] bytes = initiation.clone();
        bytes[offset] = (byte) value;
        assertInstanceOf(SniffResult.NoMatch.class, sniffer.sniff(List.of(Buffer.buffer(bytes))), offset + "=" + value);
      }
    }
    assertInstanceOf(SniffResult.NoMatch.class, sniffer.sniff(List.of()));
  }

  @Test
  void quicInitialsAreNeverWireGuardAndTheReverse() {
    for (DatagramFixture fixture : DatagramFixture.all()) {
      if (fixture.protocol().equals("quic")) {
        assertInstanceOf(SniffResult.NoMatch.class, sniffer.sniff(fixture.buffers()), fixture.name());
      }
    }
    assertInstanceOf(SniffResult.NoMatch.class, new QuicSniffer().sniff(List.of(Buffer.buffer(initiation))));
  }
}
