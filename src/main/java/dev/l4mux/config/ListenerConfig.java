package dev.l4mux.config;

import java.util.List;

/**
 * One listener: its bind addresses and what happens to connections no route claims.
 *
 * @param fallback {@link #REJECT} or the name of a route
 * @param timeouts effective timeouts (defaults with this listener's overrides)
 * @param limits connection limits and rates checked at accept, before any byte is read
 */
public record ListenerConfig(
    String name, List<BindAddress> bind, Transport transport, String fallback, Timeouts timeouts, Limits limits) {

  public static final String REJECT = "reject";

  public ListenerConfig {
    bind = List.copyOf(bind);
  }

  /** A listener without limits. */
  public ListenerConfig(String name, List<BindAddress> bind, Transport transport, String fallback, Timeouts timeouts) {
    this(name, bind, transport, fallback, timeouts, Limits.NONE);
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
