package dev.l4mux.sniff.tls;

import io.vertx.core.buffer.Buffer;

/**
 * The record layer under {@link ClientHelloParser} (after Netty's SslClientHelloHandler): it
 * reassembles the first handshake message from one or more TLS records (RFC 8446 5.1) received in
 * any number of reads. It reads nothing beyond that message and allocates only once the whole
 * message, bounded by {@link #MAX_HANDSHAKE_MESSAGE_LENGTH}, is present.
 */
final class TlsRecordLayer {

  static final int CONTENT_TYPE_HANDSHAKE = 22; // RFC 8446 5.1 ContentType.handshake
  static final int RECORD_HEADER_LENGTH = 5; // RFC 8446 5.1: type, legacy_record_version, length
  static final int RECORD_VERSION_MAJOR = 3; // SSL 3.0 .. TLS 1.3 are 0x0300 .. 0x0304
  static final int MAX_RECORD_VERSION_MINOR = 4;
  // RFC 8446 5.1 caps TLSPlaintext at 2^14; the 256 bytes of slack are those RFC 8446 5.2 allows a
  // protected record, accepted here for lenient older stacks.
  static final int MAX_RECORD_FRAGMENT_LENGTH = (1 << 14) + 256;
  static final int HANDSHAKE_HEADER_LENGTH = 4; // RFC 8446 4: msg_type, uint24 length
  static final int HANDSHAKE_TYPE_CLIENT_HELLO = 1; // RFC 8446 4: HandshakeType.client_hello

  /** Larger hellos are refused, whatever length they claim; real ones are a few KiB at most. */
  static final int MAX_HANDSHAKE_MESSAGE_LENGTH = 64 * 1024;

  /** The first handshake message (header included), or why there is none yet: one is non-null. */
  record Reassembly(byte[] handshakeMessage, ClientHelloResult failure) {}

  private TlsRecordLayer() {}

  static Reassembly reassembleFirstHandshakeMessage(Buffer stream) {
    int streamLength = stream.length();
    int headerBytesSeen = 0;
    int bodyLength = 0;
    int messageLength = -1; // known once the 4 handshake header bytes have been seen
    int handshakeBytes = 0;
    int pos = 0;
    while (messageLength < 0 || handshakeBytes < messageLength) {
      int available = streamLength - pos;
      if (available <= 0) {
        return needMore();
      }
      if (stream.getUnsignedByte(pos) != CONTENT_TYPE_HANDSHAKE) {
        // RFC 8446 5.1: handshake messages MUST NOT be interleaved with other record types.
        return malformed(
            pos == 0 ? "not a TLS handshake record" : "non-handshake record inside the ClientHello",
            pos);
      }
      if (available < 2) {
        return needMore();
      }
      if (stream.getUnsignedByte(pos + 1) != RECORD_VERSION_MAJOR) {
        return malformed("record version major is not 3 (RFC 8446 5.1)", pos + 1);
      }
      if (available < 3) {
        return needMore();
      }
      if (stream.getUnsignedByte(pos + 2) > MAX_RECORD_VERSION_MINOR) {
        return malformed("record version above 0x0304 (RFC 8446 5.1)", pos + 2);
      }
      if (available < RECORD_HEADER_LENGTH) {
        return needMore();
      }
      int fragmentLength = stream.getUnsignedShort(pos + 3);
      if (fragmentLength == 0) {
        return malformed("zero-length handshake record (RFC 8446 5.1)", pos + 3);
      }
      if (fragmentLength > MAX_RECORD_FRAGMENT_LENGTH) {
        return malformed("record longer than 2^14 + 256 bytes (RFC 8446 5.1)", pos + 3);
      }
      int fragmentStart = pos + RECORD_HEADER_LENGTH;
      int fragmentAvailable = Math.min(fragmentLength, streamLength - fragmentStart);
      // The handshake header may itself be split across records (RFC 8446 5.1 allows any split).
      for (int i = 0; i < fragmentAvailable && headerBytesSeen < HANDSHAKE_HEADER_LENGTH; i++) {
        int b = stream.getUnsignedByte(fragmentStart + i);
        if (headerBytesSeen == 0 && b != HANDSHAKE_TYPE_CLIENT_HELLO) {
          return malformed(
              "first handshake message is not a ClientHello (RFC 8446 4)", fragmentStart + i);
        }
        if (headerBytesSeen > 0) {
          bodyLength = (bodyLength << 8) | b;
        }
        headerBytesSeen++;
        if (headerBytesSeen == HANDSHAKE_HEADER_LENGTH) {
          if (bodyLength > MAX_HANDSHAKE_MESSAGE_LENGTH - HANDSHAKE_HEADER_LENGTH) {
            return malformed(
                "handshake message longer than " + MAX_HANDSHAKE_MESSAGE_LENGTH + " bytes",
                fragmentStart + i);
          }
          messageLength = HANDSHAKE_HEADER_LENGTH + bodyLength;
        }
      }
      handshakeBytes += fragmentAvailable;
      if (fragmentAvailable < fragmentLength) {
        // The record is cut short; the message may still be complete inside it.
        if (messageLength >= 0 && handshakeBytes >= messageLength) {
          break;
        }
        return needMore();
      }
      pos = fragmentStart + fragmentLength;
    }
    return new Reassembly(copyMessage(stream, messageLength), null);
  }

  /** Maps an offset inside the reassembled handshake message back to the record stream. */
  static int streamOffset(Buffer stream, int messageOffset) {
    int pos = 0;
    int messageBytesBefore = 0;
    while (pos + RECORD_HEADER_LENGTH <= stream.length()) {
      int fragmentLength = stream.getUnsignedShort(pos + 3);
      if (messageOffset < messageBytesBefore + fragmentLength) {
        return Math.min(
            pos + RECORD_HEADER_LENGTH + messageOffset - messageBytesBefore, stream.length());
      }
      messageBytesBefore += fragmentLength;
      pos += RECORD_HEADER_LENGTH + fragmentLength;
    }
    return Math.min(pos, stream.length());
  }

  /** Second pass over records already validated by the first. */
  private static byte[] copyMessage(Buffer stream, int messageLength) {
    byte[] message = new byte[messageLength];
    int copied = 0;
    int pos = 0;
    while (copied < messageLength) {
      int fragmentLength = stream.getUnsignedShort(pos + 3);
      int fragmentStart = pos + RECORD_HEADER_LENGTH;
      int n = Math.min(fragmentLength, messageLength - copied);
      stream.getBytes(fragmentStart, fragmentStart + n, message, copied);
      copied += n;
      pos = fragmentStart + fragmentLength;
    }
    return message;
  }

  private static Reassembly needMore() {
    return new Reassembly(null, ClientHelloResult.NEED_MORE);
  }

  private static Reassembly malformed(String reason, int byteOffset) {
    return new Reassembly(null, new ClientHelloResult.Malformed(reason, byteOffset));
  }
}
