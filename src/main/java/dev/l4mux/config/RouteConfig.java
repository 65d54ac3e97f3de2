package dev.l4mux.config;

import java.util.List;

/**
 * One route.
 *
 * @param listeners names of the listeners it applies to; empty means every listener
 * @param timeouts effective timeouts (defaults with this route's overrides)
 * @param keepAlive effective keep-alive treatment (defaults unless the route overrides it)
 * @param halfClose true to relay a half-close (FIN one way) instead of closing both sides
 * @param proxyProtocol the PROXY header sent to the backend ({@link ProxyProtocolSend#NONE}: none)
 * @param access checked on the real client once this route is chosen
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
    ProxyProtocolSend proxyProtocol,
    AccessConfig access) {

  public RouteConfig {
    listeners = List.copyOf(listeners);
    backends = List.copyOf(backends);
  }

  /** A route that sends no PROXY header and has no access list. */
  public RouteConfig(String name, List<String> listeners, Match match, List<BackendConfig> backends, Balance balance,
      Timeouts timeouts, KeepAlive keepAlive, boolean halfClose) {
    this(name, listeners, match, backends, balance, timeouts, keepAlive, halfClose, ProxyProtocolSend.NONE, AccessConfig.NONE);
  }

  public boolean appliesTo(String listener) {
    return listeners.isEmpty() || listeners.contains(listener);
  }
}
