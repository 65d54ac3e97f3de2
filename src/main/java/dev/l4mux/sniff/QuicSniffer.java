package dev.l4mux.sniff;

import dev.l4mux.sniff.quic.QuicInitialParser;
import dev.l4mux.sniff.quic.QuicInitialResult;
import dev.l4mux.sniff.tls.ClientHello;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Recognises a QUIC v1 or v2 client's Initial packets (RFC 9000, RFC 9369) and reports the server
 * name and ALPN of the ClientHello inside them. Decryption and reassembly live in {@link
 * QuicInitialParser}; the ClientHello is read by the same parser as TLS over TCP.
 */
public final class QuicSniffer implements DatagramSniffer {

  @Override
  public String protocol() {
    return "quic";
  }

  @Override
  public SniffResult sniff(List<Buffer> datagrams) {
    QuicInitialResult result = QuicInitialParser.parse(datagrams);
    if (result instanceof QuicInitialResult.Parsed parsed) {
      ClientHello hello = parsed.clientHello();
      return SniffResult.match(
          Sniffed.quic(
              hello.serverName(),
              hello.alpn(),
              hello.offeredVersions(),
              hello.encryptedClientHello(),
              parsed.version().label()));
    }
    return result instanceof QuicInitialResult.NeedMore
        ? SniffResult.needMore()
        : SniffResult.noMatch();
  }
}
