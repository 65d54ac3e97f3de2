package dev.l4mux.udp;

import io.netty.buffer.ByteBuf;

/**
 * Reads connection IDs from the clear-text part of QUIC headers (RFC 8999 5, the invariants every
 * version keeps), so a flow can be found again by connection ID when its client's address changes
 * (RFC 9000 9: NAT rebinding, migration). Never throws; null when the bytes are not such a header.
 */
final class QuicConnectionIds {

  private static final int LONG_HEADER = 0x80; // RFC 8999 5.1
  private static final int MAX_ID_LENGTH = 255; // RFC 8999 5.1: invariants allow up to 255
  private static final int V1 = 0x00000001; // RFC 9000 15
  private static final int V2 = 0x6b3343cf; // RFC 9369 3.1

  private QuicConnectionIds() {}

  /** The Source Connection ID of a long-header packet (a server's reply: the ID it chose). */
  static ConnectionId longHeaderSource(ByteBuf datagram) {
    int at = datagram.readerIndex();
    int end = datagram.writerIndex();
    if (end - at < 7 || (datagram.getUnsignedByte(at) & LONG_HEADER) == 0) {
      return null;
    }
    if (datagram.getInt(at + 1) == 0) {
      return null; // version negotiation carries the client's IDs back, not a new one
    }
    int dcidLength = datagram.getUnsignedByte(at + 5);
    int scidAt = at + 6 + dcidLength;
    if (scidAt >= end) {
      return null;
    }
    int scidLength = datagram.getUnsignedByte(scidAt);
    if (scidLength == 0 || scidLength > MAX_ID_LENGTH || scidAt + 1 + scidLength > end) {
      return null;
    }
    return ConnectionId.of(datagram, scidAt + 1, scidLength);
  }

  /**
   * The Destination Connection ID of a client Initial of QUIC v1 or v2 (RFC 9000 17.2.2, RFC 9369
   * 3.2: the type bits differ), or null for any other packet.
   */
  static ConnectionId initialDestination(ByteBuf datagram) {
    int at = datagram.readerIndex();
    int end = datagram.writerIndex();
    if (end - at < 7 || (datagram.getUnsignedByte(at) & LONG_HEADER) == 0) {
      return null;
    }
    int type = (datagram.getUnsignedByte(at) >> 4) & 0x03;
    int version = datagram.getInt(at + 1);
    boolean initial = (version == V1 && type == 0) || (version == V2 && type == 1);
    int length = datagram.getUnsignedByte(at + 5);
    if (!initial || length == 0 || at + 6 + length > end) {
      return null;
    }
    return ConnectionId.of(datagram, at + 6, length);
  }

  /**
   * The Destination Connection ID of a short-header packet when its length is known (short headers
   * do not carry it, RFC 8999 5.2), or null.
   */
  static ConnectionId shortHeaderDestination(ByteBuf datagram, int length) {
    int at = datagram.readerIndex();
    if ((datagram.getUnsignedByte(at) & LONG_HEADER) != 0 || length <= 0 || datagram.writerIndex() - at < 1 + length) {
      return null;
    }
    return ConnectionId.of(datagram, at + 1, length);
  }

  /** A connection ID, compared by content. */
  record ConnectionId(byte[] bytes) {

    static ConnectionId of(ByteBuf buf, int index, int length) {
      byte[] bytes = new byte[length];
      buf.getBytes(index, bytes);
      return new ConnectionId(bytes);
    }

    int length() {
      return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ConnectionId other && java.util.Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return java.util.HexFormat.of().formatHex(bytes);
    }
  }
}
