package dev.l4mux.udp;

import dev.l4mux.sniff.DatagramSniffer;
import dev.l4mux.sniff.SniffResult;
import dev.l4mux.sniff.Sniffed;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Asks the datagram sniffers in catalogue order, as {@code SniffDecision} does for streams: the
 * first match wins only once every sniffer before it said "no match", so the outcome never depends
 * on how many datagrams had arrived when it was taken.
 */
final class DatagramSniffing {

  private DatagramSniffing() {}

  /**
   * The facts of a flow's first datagrams: a sniffer's match, {@link Sniffed#unknown()} when none
   * matches, or null while one still needs more (never null when {@code last} is true).
   */
  static Sniffed decide(List<DatagramSniffer> sniffers, List<Buffer> datagrams, boolean last) {
    for (DatagramSniffer sniffer : sniffers) {
      SniffResult result = last ? sniffer.sniffFinal(datagrams) : sniffer.sniff(datagrams);
      if (result instanceof SniffResult.Match match) {
        return match.facts();
      }
      if (result instanceof SniffResult.NeedMore) {
        return null;
      }
    }
    return Sniffed.unknown();
  }
}
