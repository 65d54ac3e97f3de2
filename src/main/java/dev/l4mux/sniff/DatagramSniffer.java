package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Recognises one UDP protocol from the first datagrams of a flow (the {@link Sniffer} seam for
 * datagrams: a datagram is never split, but a first flight may take several, as a QUIC
 * ClientHello larger than one packet does).
 *
 * <p>Implementations are pure: they never modify the buffers, never touch a socket and never
 * throw (malformed datagrams are {@link SniffResult.NoMatch}). They are called again with the
 * same datagrams plus the next one each time one arrives.
 */
public interface DatagramSniffer {

  /** Stable id used in config ({@code match.protocol}), logs and metrics: "quic", "wireguard". */
  String protocol();

  /** Decides on the datagrams received so far, in arrival order; more may follow. */
  SniffResult sniff(List<Buffer> datagrams);

  /** Decides when no more datagrams will be considered: "need more" becomes "no match". */
  default SniffResult sniffFinal(List<Buffer> datagrams) {
    SniffResult result = sniff(datagrams);
    return result instanceof SniffResult.NeedMore ? SniffResult.noMatch() : result;
  }
}
