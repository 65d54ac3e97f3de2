package dev.l4mux.config;

import java.util.List;

/**
 * One listener: its bind addresses and what happens to connections no route claims.
 *
 * @param fallback {@link #REJECT} or the name of a route
 * @param timeouts effective timeouts (defaults with this listener's overrides)
 */
public record ListenerConfig(
    String name, List<BindAddress> bind, Transport transport, String fallback, Timeouts timeouts) {

  public static final String REJECT = "reject";

  public ListenerConfig {
    bind = List.copyOf(bind);
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
