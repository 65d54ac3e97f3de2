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
 * @param backendPolicy stickiness, retries, active health and outlier ejection
 * @param limits the route's connection limits and rates
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
    ProxyProtocolSend proxyProtocol,
    AccessConfig access,
    BackendPolicy backendPolicy,
    Limits limits,
    TlsConfig tls) {

  public RouteConfig {
    listeners = List.copyOf(listeners);
    backends = List.copyOf(backends);
  }

  /** A passthrough route that sends no PROXY header, has no access list, the default backend policy and no limits. */
  public RouteConfig(String name, List<String> listeners, Match match, List<BackendConfig> backends, Balance balance,
      Timeouts timeouts, KeepAlive keepAlive, boolean halfClose) {
    this(name, listeners, match, backends, balance, timeouts, keepAlive, halfClose, TlsConfig.PASSTHROUGH);
  }

  /** A route with this TLS treatment that sends no PROXY header, has no access list, the default backend policy and no limits. */
  public RouteConfig(String name, List<String> listeners, Match match, List<BackendConfig> backends, Balance balance,
      Timeouts timeouts, KeepAlive keepAlive, boolean halfClose, TlsConfig tls) {
    this(name, listeners, match, backends, balance, timeouts, keepAlive, halfClose, ProxyProtocolSend.NONE, AccessConfig.NONE,
        BackendPolicy.DEFAULT, Limits.NONE, tls);
  }

  public boolean appliesTo(String listener) {
    return listeners.isEmpty() || listeners.contains(listener);
  }
}
