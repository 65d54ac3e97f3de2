package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Runs the catalogue over a growing prefix and decides once: the first sniffer (in catalogue order)
 * that matches wins, but only once every sniffer before it has ruled itself out, so that the
 * outcome never depends on how the bytes were split into reads.
 */
public final class SniffDecision {

  private SniffDecision() {}

  /**
   * Returns the facts when a decision is possible, or null when more bytes are needed.
   *
   * @param isFinal true when no more bytes will be considered (byte cap reached or timeout)
   */
  public static Sniffed decide(List<Sniffer> sniffers, Buffer prefix, boolean isFinal) {
    for (Sniffer sniffer : sniffers) {
      SniffResult result = isFinal ? sniffer.sniffFinal(prefix) : sniffer.sniff(prefix);
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
