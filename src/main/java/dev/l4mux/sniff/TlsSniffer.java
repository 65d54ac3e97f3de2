package dev.l4mux.sniff;

import dev.l4mux.sniff.tls.ClientHello;
import dev.l4mux.sniff.tls.ClientHelloParser;
import dev.l4mux.sniff.tls.ClientHelloResult;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Recognises a TLS ClientHello (RFC 8446 4.1.2) and reports server name, ALPN, offered versions and
 * whether Encrypted Client Hello is in use. The parsing lives in {@link ClientHelloParser}.
 */
public final class TlsSniffer implements Sniffer {

  private static final int CONTENT_TYPE_HANDSHAKE = 22; // RFC 8446 5.1
  private static final int HANDSHAKE_TYPE_CLIENT_HELLO = 1; // RFC 8446 4
  private static final int HANDSHAKE_TYPE_OFFSET = 5; // after the 5-byte record header

  @Override
  public String protocol() {
    return "tls";
  }

  @Override
  public SniffResult sniff(Buffer prefix) {
    ClientHelloResult result = ClientHelloParser.parseRecords(prefix);
    if (result instanceof ClientHelloResult.Parsed parsed) {
      ClientHello hello = parsed.clientHello();
      return SniffResult.match(
          Sniffed.tls(
              hello.serverName(),
              hello.alpn(),
              hello.offeredVersions(),
              hello.encryptedClientHello()));
    }
    return result instanceof ClientHelloResult.NeedMore
        ? SniffResult.needMore()
        : SniffResult.noMatch();
  }

  /**
   * A ClientHello still incomplete when sniffing stops (larger than the byte cap, or the client
   * stalled) is still TLS: it matches with no server name, ALPN or versions, so routes by protocol
   * work. That needs a well-formed start: a handshake record whose first handshake byte is
   * client_hello (zero-length records are refused, so that byte is always at offset 5).
   */
  @Override
  public SniffResult sniffFinal(Buffer prefix) {
    SniffResult result = sniff(prefix);
    if (!(result instanceof SniffResult.NeedMore)) {
      return result;
    }
    if (prefix.length() > HANDSHAKE_TYPE_OFFSET
        && prefix.getUnsignedByte(0) == CONTENT_TYPE_HANDSHAKE
        && prefix.getUnsignedByte(HANDSHAKE_TYPE_OFFSET) == HANDSHAKE_TYPE_CLIENT_HELLO) {
      return SniffResult.match(Sniffed.tls(null, List.of(), List.of(), false));
    }
    return SniffResult.noMatch();
  }
}
