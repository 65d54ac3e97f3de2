package dev.l4mux.config;

import java.util.List;

/**
 * One route.
 *
 * @param listeners names of the listeners it applies to; empty means every listener
 * @param timeouts effective timeouts (defaults with this route's overrides)
 * @param keepAlive effective keep-alive treatment (defaults unless the route overrides it)
 * @param halfClose true to relay a half-close (FIN one way) instead of closing both sides
 * @param tls what l4mux does with TLS ({@link TlsConfig#PASSTHROUGH} unless configured)
 */
public record RouteConfig(
    String name,
    List<String> listeners,
    Match match,
    List<BackendConfig> backends,
    Balance balance,
    Timeouts timeouts,
    KeepAlive keepAlive,
    boolean halfClose,
    TlsConfig tls) {

  public RouteConfig {
    listeners = List.copyOf(listeners);
    backends = List.copyOf(backends);
  }

  public boolean appliesTo(String listener) {
    return listeners.isEmpty() || listeners.contains(listener);
  }
}
