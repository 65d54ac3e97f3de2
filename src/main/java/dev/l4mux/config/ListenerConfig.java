package dev.l4mux.config;

import java.util.List;

/**
 * One listener: its bind addresses and what happens to connections no route claims.
 *
 * @param fallback {@link #REJECT} or the name of a route
 * @param timeouts effective timeouts (defaults with this listener's overrides)
 * @param proxyProtocol whose PROXY headers are read ({@link ProxyProtocolReceive#OFF}: nobody's)
 * @param access checked on the real client before any sniffing
 * @param limits connection limits and rates checked on the real client, before any byte is sniffed
 */
public record ListenerConfig(
    String name, List<BindAddress> bind, Transport transport, String fallback, Timeouts timeouts,
    ProxyProtocolReceive proxyProtocol, AccessConfig access, Limits limits) {

  public static final String REJECT = "reject";

  public ListenerConfig {
    bind = List.copyOf(bind);
  }

  /** A listener that reads no PROXY header and has no access list and no limits. */
  public ListenerConfig(String name, List<BindAddress> bind, Transport transport, String fallback, Timeouts timeouts) {
    this(name, bind, transport, fallback, timeouts, ProxyProtocolReceive.OFF, AccessConfig.NONE, Limits.NONE);
  }

  public boolean rejectsUnmatched() {
    return REJECT.equals(fallback);
  }

  /** Transport of a listener. */
  public enum Transport {
    TCP,
    UDP
  }
}
