package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;

/** Placeholder replaced by the real sniffer in the same change series. */
public final class TlsSniffer implements Sniffer {
  @Override
  public String protocol() {
    return "tls";
  }

  @Override
  public SniffResult sniff(Buffer prefix) {
    return SniffResult.noMatch();
  }
}
