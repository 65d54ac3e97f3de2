package dev.l4mux.config;

import java.util.List;

/**
 * {@code listeners[].proxyProtocol}: the peers whose PROXY header (v1 or v2) is honoured.
 *
 * @param trusted peers allowed to send a header; empty: headers are never read
 * @param required a trusted peer without a valid header is dropped
 */
public record ProxyProtocolReceive(List<Cidr> trusted, boolean required) {

  public static final ProxyProtocolReceive OFF = new ProxyProtocolReceive(List.of(), false);

  public ProxyProtocolReceive {
    trusted = List.copyOf(trusted);
  }

  public boolean enabled() {
    return !trusted.isEmpty();
  }
}
