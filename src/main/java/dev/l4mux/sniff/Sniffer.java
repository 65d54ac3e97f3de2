package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;

/**
 * Recognises one protocol from the first bytes a client sent.
 *
 * <p>Implementations are pure: they never consume the buffer, never touch a socket and never throw
 * on any input (malformed bytes are {@link SniffResult.NoMatch}). They must be safe to call again
 * with a longer prefix each time more bytes arrive.
 */
public interface Sniffer {

  /** Stable id used in config ({@code match.protocol}), logs and metrics: "tls", "http", "ssh". */
  String protocol();

  /** Decides on the bytes received so far; more bytes may follow. */
  SniffResult sniff(Buffer prefix);

  /**
   * Decides on the bytes received when no more will be considered (the byte cap was reached or the
   * sniff timeout expired). The default turns "need more" into "no match"; a sniffer that can say
   * something useful about a truncated prefix (an HTTP request line without the end of headers, a
   * ClientHello larger than the cap) overrides it.
   */
  default SniffResult sniffFinal(Buffer prefix) {
    SniffResult result = sniff(prefix);
    return result instanceof SniffResult.NeedMore ? SniffResult.noMatch() : result;
  }
}
