package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Recognises a WireGuard handshake initiation (whitepaper 5.4.2): a datagram of exactly 148 bytes
 * whose first byte is message type 1 followed by three reserved zero bytes. The rest is a sender
 * index, an ephemeral key, AEAD-sealed fields and MACs keyed by the responder's public key, which
 * a proxy does not have: the length and the header are all it can check. Responses (type 2) and
 * transport messages (type 4) then follow the flow without sniffing.
 */
public final class WireGuardSniffer implements DatagramSniffer {

  static final int HANDSHAKE_INITIATION_LENGTH = 148; // WireGuard whitepaper 5.4.2
  static final int MESSAGE_TYPE_HANDSHAKE_INITIATION = 1; // whitepaper 5.4.2: type := 1
  private static final int SENDER_INDEX_OFFSET = 4; // after type (1) and reserved (3)

  @Override
  public String protocol() {
    return "wireguard";
  }

  @Override
  public SniffResult sniff(List<Buffer> datagrams) {
    if (datagrams.isEmpty()) {
      return SniffResult.noMatch();
    }
    Buffer first = datagrams.get(0);
    if (first.length() != HANDSHAKE_INITIATION_LENGTH
        || first.getUnsignedByte(0) != MESSAGE_TYPE_HANDSHAKE_INITIATION
        || first.getUnsignedByte(1) != 0
        || first.getUnsignedByte(2) != 0
        || first.getUnsignedByte(3) != 0) {
      return SniffResult.noMatch();
    }
    return SniffResult.match(Sniffed.wireguard(senderIndex(first)));
  }

  /** The initiator's sender index (little-endian on the wire), as eight hex digits. */
  private static String senderIndex(Buffer initiation) {
    return String.format("sender=%08x", initiation.getUnsignedIntLE(SENDER_INDEX_OFFSET));
  }
}
