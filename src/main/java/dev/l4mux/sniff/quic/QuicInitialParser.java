package dev.l4mux.sniff.quic;

import dev.l4mux.sniff.quic.QuicInitialResult.NotInitial;
import dev.l4mux.sniff.tls.ClientHelloParser;
import dev.l4mux.sniff.tls.ClientHelloResult;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the ClientHello out of a QUIC client's first datagrams (RFC 9000 17.2.2, RFC 9001 5,
 * RFC 9369): walks the coalesced long-header packets of each datagram (12.2), removes header
 * protection and opens the payload of every Initial with keys derived from the client's original
 * Destination Connection ID, collects CRYPTO frames across frames, packets and datagrams, and
 * hands the reassembled handshake message to the TLS {@link ClientHelloParser}.
 *
 * <p>Pure and total: never throws, never allocates more than {@link #MAX_CRYPTO_BYTES} for the
 * stream, and the caller bounds the number of datagrams. Version negotiation, unknown versions,
 * packets that do not decrypt and frames not allowed in Initial packets are a {@link NotInitial}.
 */
public final class QuicInitialParser {

  /** The CRYPTO stream prefix kept: the largest ClientHello the TLS parser accepts. */
  public static final int MAX_CRYPTO_BYTES = ClientHelloParser.MAX_HANDSHAKE_MESSAGE_LENGTH;

  static final int MAX_CONNECTION_ID_LENGTH = 20; // RFC 9000 17.2 (v1 and v2)
  static final int MIN_CLIENT_DESTINATION_ID_LENGTH = 8; // RFC 9000 7.2
  private static final int LONG_HEADER_FORM = 0x80; // RFC 9000 17.2
  private static final int PACKET_NUMBER_LENGTH_BITS = 0x03; // RFC 9000 17.2, after unmasking
  private static final int LONG_HEADER_MASKED_BITS = 0x0f; // RFC 9001 5.4.1
  private static final int MAX_PACKET_NUMBER_LENGTH = 4;

  // Frame types allowed in Initial packets (RFC 9000 12.4, Table 3).
  private static final int PADDING = 0x00;
  private static final int PING = 0x01;
  private static final int ACK = 0x02;
  private static final int ACK_ECN = 0x03;
  private static final int CRYPTO = 0x06;
  private static final int CONNECTION_CLOSE = 0x1c;

  private QuicInitialParser() {}

  /** Parses the datagrams a client sent first, in the order they arrived. */
  public static QuicInitialResult parse(List<Buffer> datagrams) {
    Flight flight = new Flight();
    for (int i = 0; i < datagrams.size(); i++) {
      NotInitial failure = flight.readDatagram(i, datagrams.get(i).getBytes());
      if (failure != null) {
        return failure;
      }
    }
    return flight.clientHello();
  }

  /** The state across one flight: version, keys and connection IDs fixed by the first Initial. */
  private static final class Flight {
    private final CryptoStream crypto = new CryptoStream(MAX_CRYPTO_BYTES);
    private QuicVersion version;
    private QuicInitialKeys keys;
    private byte[] destinationId;
    private byte[] sourceId;
    private int datagram;

    NotInitial readDatagram(int index, byte[] packet) {
      datagram = index;
      int offset = 0;
      while (offset < packet.length) {
        if ((packet[offset] & LONG_HEADER_FORM) == 0) {
          // A short header runs to the end of the datagram (RFC 9000 12.2): 1-RTT, not ours.
          return index == 0 && offset == 0 ? fail("short header packet first", 0) : null;
        }
        Object next = readLongHeaderPacket(packet, offset);
        if (next instanceof NotInitial failure) {
          return failure;
        }
        offset = (Integer) next;
      }
      return null;
    }

    /** Returns the offset after the packet, or a failure. */
    private Object readLongHeaderPacket(byte[] packet, int start) {
      Cursor in = new Cursor(packet, start, packet.length);
      int first = in.u8();
      long wireVersion = in.u32();
      if (in.truncated()) {
        return fail("long header shorter than its version field", start);
      }
      if (wireVersion == 0) {
        return fail("version negotiation packet (RFC 9000 17.2.1)", start + 1);
      }
      QuicVersion packetVersion = QuicVersion.of((int) wireVersion);
      if (packetVersion == null) {
        return fail("unknown QUIC version 0x" + Long.toHexString(wireVersion), start + 1);
      }
      if (version != null && packetVersion != version) {
        return fail("version differs from the first Initial's", start + 1);
      }
      int dcidOffset = in.position();
      byte[] dcid = in.connectionId();
      byte[] scid = in.connectionId();
      if (dcid == null || scid == null) {
        return fail("connection ID longer than 20 bytes or truncated (RFC 9000 17.2)", dcidOffset);
      }
      int type = (first >> 4) & 0x03;
      if (type == packetVersion.retryType()) {
        return fail("Retry packet from a client", start);
      }
      boolean initial = type == packetVersion.initialType();
      if (initial) {
        long tokenLength = in.varint();
        in.skip(tokenLength);
      }
      long length = in.varint();
      int packetNumberOffset = in.position();
      if (in.truncated() || length > packet.length - packetNumberOffset) {
        return fail("packet longer than its datagram", packetNumberOffset);
      }
      int end = packetNumberOffset + (int) length;
      if (!initial) {
        return version == null ? fail("first packet is not an Initial", start) : end;
      }
      if (version == null) {
        if (dcid.length < MIN_CLIENT_DESTINATION_ID_LENGTH) {
          return fail("client Destination Connection ID shorter than 8 bytes (RFC 9000 7.2)", dcidOffset);
        }
        version = packetVersion;
        destinationId = dcid;
        sourceId = scid;
        // Every client Initial is protected with keys from the original DCID (RFC 9001 5.2).
        keys = QuicInitialKeys.client(version, dcid);
      }
      NotInitial failure = openInitial(packet, start, packetNumberOffset, end);
      return failure != null ? failure : end;
    }

    /** Removes header protection (RFC 9001 5.4), opens the payload (5.3), reads its frames. */
    private NotInitial openInitial(byte[] packet, int start, int pnOffset, int end) {
      int sampleOffset = pnOffset + MAX_PACKET_NUMBER_LENGTH; // RFC 9001 5.4.2
      if (sampleOffset + QuicInitialKeys.SAMPLE_LENGTH > end) {
        return fail("Initial too short for a header protection sample", pnOffset);
      }
      byte[] mask = keys.headerProtectionMask(packet, sampleOffset);
      packet[start] ^= (byte) (mask[0] & LONG_HEADER_MASKED_BITS);
      int pnLength = (packet[start] & PACKET_NUMBER_LENGTH_BITS) + 1;
      long packetNumber = 0;
      for (int i = 0; i < pnLength; i++) {
        packet[pnOffset + i] ^= mask[1 + i];
        packetNumber = (packetNumber << 8) | (packet[pnOffset + i] & 0xff);
      }
      // With nothing acknowledged yet the truncated number is the full one (RFC 9000 A.3).
      int payloadOffset = pnOffset + pnLength;
      if (end - payloadOffset < QuicInitialKeys.TAG_LENGTH) {
        return fail("Initial payload shorter than the AEAD tag", payloadOffset);
      }
      byte[] payload = keys.open(packet, start, payloadOffset, end, packetNumber);
      if (payload == null) {
        return fail("Initial does not decrypt with the client's Initial keys (RFC 9001 5.2)", payloadOffset);
      }
      return readFrames(payload, payloadOffset);
    }

    private NotInitial readFrames(byte[] payload, int payloadOffset) {
      if (payload.length == 0) {
        return fail("Initial without frames (RFC 9000 12.4)", payloadOffset);
      }
      Cursor in = new Cursor(payload, 0, payload.length);
      while (!in.atEnd()) {
        int frameOffset = payloadOffset + in.position();
        long type = in.varint();
        if (type == PADDING || type == PING) {
          continue;
        } else if (type == ACK || type == ACK_ECN) {
          in.varint(); // largest acknowledged
          in.varint(); // ack delay
          long ranges = in.varint();
          in.varint(); // first range
          for (long r = 0; r < ranges && !in.truncated(); r++) {
            in.varint(); // gap
            in.varint(); // range length
          }
          if (type == ACK_ECN) {
            in.varint();
            in.varint();
            in.varint();
          }
        } else if (type == CRYPTO) {
          long offset = in.varint();
          long length = in.varint();
          int dataStart = in.position();
          in.skip(length);
          if (in.truncated()) {
            break;
          }
          if (!crypto.add(offset, payload, dataStart, (int) length)) {
            return fail("CRYPTO data past " + MAX_CRYPTO_BYTES + " bytes", frameOffset);
          }
        } else if (type == CONNECTION_CLOSE) {
          return fail("CONNECTION_CLOSE in the client's first flight", frameOffset);
        } else {
          return fail("frame type 0x" + Long.toHexString(type) + " not allowed in Initial (RFC 9000 12.4)", frameOffset);
        }
      }
      return in.truncated() ? fail("frame truncated", payloadOffset + payload.length) : null;
    }

    QuicInitialResult clientHello() {
      if (version == null) {
        return fail("no Initial packet", 0);
      }
      byte[] stream = crypto.bytes();
      ClientHelloResult hello = ClientHelloParser.parseHandshakeMessage(stream, crypto.contiguousLength());
      if (hello instanceof ClientHelloResult.Parsed parsed) {
        return new QuicInitialResult.Parsed(version, destinationId, sourceId, parsed.clientHello());
      }
      if (hello instanceof ClientHelloResult.Malformed malformed) {
        return new NotInitial("CRYPTO stream: " + malformed.reason(), datagram, malformed.byteOffset());
      }
      return QuicInitialResult.NEED_MORE;
    }

    private NotInitial fail(String reason, int offset) {
      return new NotInitial(reason, datagram, offset);
    }
  }

  /** A bounds-checked reader: reading past the end sets {@link #truncated()} and yields zeros. */
  private static final class Cursor {
    private final byte[] bytes;
    private final int end;
    private int position;
    private boolean truncated;

    Cursor(byte[] bytes, int start, int end) {
      this.bytes = bytes;
      this.position = start;
      this.end = end;
    }

    int position() {
      return position;
    }

    boolean atEnd() {
      return position >= end;
    }

    boolean truncated() {
      return truncated;
    }

    int u8() {
      if (position >= end) {
        truncated = true;
        return 0;
      }
      return bytes[position++] & 0xff;
    }

    long u32() {
      return ((long) u8() << 24) | (u8() << 16) | (u8() << 8) | u8();
    }

    /** A variable-length integer (RFC 9000 16). */
    long varint() {
      int first = u8();
      int length = 1 << (first >> 6);
      long value = first & 0x3f;
      for (int i = 1; i < length; i++) {
        value = (value << 8) | u8();
      }
      return value;
    }

    void skip(long count) {
      if (count > end - position) {
        truncated = true;
        position = end;
      } else {
        position += (int) count;
      }
    }

    /** A length-prefixed connection ID (RFC 9000 17.2), or null when too long or truncated. */
    byte[] connectionId() {
      int length = u8();
      if (truncated || length > MAX_CONNECTION_ID_LENGTH || length > end - position) {
        truncated = true;
        return null;
      }
      byte[] id = Arrays.copyOfRange(bytes, position, position + length);
      position += length;
      return id;
    }
  }
}
