package dev.l4mux.sniff.tls;

import dev.l4mux.sniff.tls.ClientHelloResult.Malformed;
import io.vertx.core.buffer.Buffer;

/**
 * Parses a TLS ClientHello (RFC 8446 4.1.2) in layers: {@link #parseRecords} reassembles the
 * handshake message from TLS records, {@link #parseHandshakeMessage} checks the handshake header,
 * {@link #parseClientHelloBody} reads the fields. QUIC reuses the lower two on its CRYPTO stream
 * (RFC 9001 4.1.3).
 *
 * <p>Pure and total: no method throws or allocates by a length the input claims; everything is
 * bounded by {@link #MAX_HANDSHAKE_MESSAGE_LENGTH}. SSLv2-compatible hellos (RFC 5246 E.2, first
 * byte with the high bit set) are not TLS records and are reported malformed.
 */
public final class ClientHelloParser {

  /** Largest handshake message accepted, header included. */
  public static final int MAX_HANDSHAKE_MESSAGE_LENGTH =
      TlsRecordLayer.MAX_HANDSHAKE_MESSAGE_LENGTH;

  private ClientHelloParser() {}

  /** Parses TLS records (RFC 8446 5.1) carrying a ClientHello; offsets refer to {@code stream}. */
  public static ClientHelloResult parseRecords(Buffer stream) {
    TlsRecordLayer.Reassembly reassembly = TlsRecordLayer.reassembleFirstHandshakeMessage(stream);
    if (reassembly.failure() != null) {
      return reassembly.failure();
    }
    byte[] message = reassembly.handshakeMessage();
    ClientHelloResult result = parseHandshakeMessage(message, message.length);
    if (result instanceof Malformed malformed) {
      int offset = TlsRecordLayer.streamOffset(stream, malformed.byteOffset());
      return new Malformed(malformed.reason(), offset);
    }
    return result;
  }

  /**
   * Parses a handshake message (RFC 8446 4: msg_type, uint24 length, body) from the first {@code
   * length} bytes of {@code bytes}, as found on a QUIC CRYPTO stream; bytes after it are ignored.
   */
  public static ClientHelloResult parseHandshakeMessage(byte[] bytes, int length) {
    int end = Math.min(length, bytes.length);
    if (end >= 1 && (bytes[0] & 0xff) != TlsRecordLayer.HANDSHAKE_TYPE_CLIENT_HELLO) {
      return new Malformed("handshake message is not a ClientHello (RFC 8446 4)", 0);
    }
    if (end < TlsRecordLayer.HANDSHAKE_HEADER_LENGTH) {
      return ClientHelloResult.NEED_MORE;
    }
    int bodyLength = ((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
    int messageLength = TlsRecordLayer.HANDSHAKE_HEADER_LENGTH + bodyLength;
    if (messageLength > MAX_HANDSHAKE_MESSAGE_LENGTH) {
      return new Malformed(
          "handshake message longer than " + MAX_HANDSHAKE_MESSAGE_LENGTH + " bytes", 1);
    }
    if (end < messageLength) {
      return ClientHelloResult.NEED_MORE;
    }
    return new ClientHelloBodyReader(bytes, TlsRecordLayer.HANDSHAKE_HEADER_LENGTH, messageLength)
        .read();
  }

  /** Parses a complete ClientHello body (RFC 8446 4.1.2, after the handshake header). */
  public static ClientHelloResult parseClientHelloBody(byte[] body) {
    return new ClientHelloBodyReader(body, 0, body.length).read();
  }
}
