package dev.l4mux.udp;

import io.netty.buffer.ByteBuf;

/**
 * Reads the session indexes of WireGuard messages (whitepaper 5.4), so a peer that roams to a new
 * address keeps its flow and backend, as WireGuard itself lets it (whitepaper 2.1, "built-in
 * roaming"). Each side picks a random 32-bit index for a session and the other side puts it in
 * every message it sends for that session: the backend's index arrives in clear text in its
 * handshake messages (the sender index of an initiation or a response), and the client's later
 * transport messages carry it as their receiver index. Little-endian on the wire. Never throws;
 * null when the bytes are not such a message.
 */
final class WireGuardIndexes {

  static final int TYPE_INITIATION = 1; // 5.4.2, 148 bytes
  static final int TYPE_RESPONSE = 2; // 5.4.3, 92 bytes
  static final int TYPE_TRANSPORT = 4; // 5.4.6, 16-byte header + at least the 16-byte tag
  static final int INITIATION_LENGTH = 148;
  static final int RESPONSE_LENGTH = 92;
  static final int MIN_TRANSPORT_LENGTH = 32;
  private static final int FIRST_INDEX_OFFSET = 4; // after type (1) and reserved (3): sender, or transport's receiver
  private static final int RESPONSE_RECEIVER_OFFSET = 8; // 5.4.3: sender, then receiver

  private WireGuardIndexes() {}

  /**
   * The index a backend's handshake message chose for its side of a session (the sender index of
   * its response, or of an initiation when it starts a new session itself), or null.
   */
  static Integer backendSender(ByteBuf datagram) {
    int type = type(datagram);
    int length = datagram.readableBytes();
    boolean handshake = (type == TYPE_RESPONSE && length == RESPONSE_LENGTH) || (type == TYPE_INITIATION && length == INITIATION_LENGTH);
    return handshake ? datagram.getIntLE(datagram.readerIndex() + FIRST_INDEX_OFFSET) : null;
  }

  /**
   * The backend's index a client's message is addressed to: the receiver index of a transport
   * message, or of a response to a handshake the backend started; null for anything else.
   */
  static Integer clientReceiver(ByteBuf datagram) {
    int type = type(datagram);
    int length = datagram.readableBytes();
    if (type == TYPE_TRANSPORT && length >= MIN_TRANSPORT_LENGTH) {
      return datagram.getIntLE(datagram.readerIndex() + FIRST_INDEX_OFFSET);
    }
    if (type == TYPE_RESPONSE && length == RESPONSE_LENGTH) {
      return datagram.getIntLE(datagram.readerIndex() + RESPONSE_RECEIVER_OFFSET);
    }
    return null;
  }

  /** The message type when the three reserved bytes are zero (5.4), else -1. */
  private static int type(ByteBuf datagram) {
    int at = datagram.readerIndex();
    if (datagram.readableBytes() < MIN_TRANSPORT_LENGTH
        || datagram.getByte(at + 1) != 0 || datagram.getByte(at + 2) != 0 || datagram.getByte(at + 3) != 0) {
      return -1;
    }
    return datagram.getUnsignedByte(at);
  }
}
