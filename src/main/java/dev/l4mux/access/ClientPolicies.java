package dev.l4mux.access;

import dev.l4mux.config.AccessConfig;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.config.ProxyProtocolReceive;
import dev.l4mux.config.RouteConfig;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A listener's address policies compiled once per configuration version (tries, not list scans):
 * which peers may send a PROXY header, the listener's access list, and each route's. Shared by TCP
 * connections and UDP flows.
 */
public final class ClientPolicies {

  private final ProxyProtocolReceive proxyProtocol;
  private final AccessList trusted; // null: no peer is trusted
  private final AccessList listenerAccess;
  private final Map<String, AccessList> routeAccess = new HashMap<>();

  public ClientPolicies(L4muxConfig config, ListenerConfig listener) {
    this.proxyProtocol = listener.proxyProtocol();
    this.trusted = proxyProtocol.enabled() ? new AccessList(new AccessConfig(proxyProtocol.trusted(), List.of())) : null;
    this.listenerAccess = AccessList.of(listener.access());
    for (RouteConfig route : config == null ? List.<RouteConfig>of() : config.routes()) {
      if (route.appliesTo(listener.name()) && !route.access().isEmpty()) {
        routeAccess.put(route.name(), new AccessList(route.access()));
      }
    }
  }

  public ProxyProtocolReceive proxyProtocol() {
    return proxyProtocol;
  }

  /** True when {@code peer} may send a PROXY header on this listener. */
  public boolean trusts(InetSocketAddress peer) {
    return trusted != null && peer != null && trusted.allows(peer.getAddress());
  }

  public AccessList listenerAccess() {
    return listenerAccess;
  }

  public AccessList routeAccess(RouteConfig route) {
    return routeAccess.getOrDefault(route.name(), AccessList.ALLOW_ALL);
  }
}
