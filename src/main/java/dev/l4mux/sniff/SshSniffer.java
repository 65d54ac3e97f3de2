package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;

/** Placeholder replaced by the real sniffer in the same change series. */
public final class SshSniffer implements Sniffer {
  @Override
  public String protocol() {
    return "ssh";
  }

  @Override
  public SniffResult sniff(Buffer prefix) {
    return SniffResult.noMatch();
  }
}
