package dev.l4mux.limits;

import dev.l4mux.config.L4muxConfig;
import dev.l4mux.config.Limits;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.config.RouteConfig;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * A node's connection limits (CONTRACT section 3, {@code limits}): node-wide ({@code
 * defaults.limits.maxConnections}), per listener (checked at accept, before a byte is read) and
 * per route (checked once the route is decided). Rebuilt on every configuration; a scope whose
 * limits did not change keeps its live state, and connections keep releasing into the limiter
 * that admitted them. Thread-safe: read on every event loop.
 */
public final class Limiters {

  private record Scopes(ScopeLimiter node, Map<String, ScopeLimiter> listeners, Map<String, ScopeLimiter> routes) {}

  private volatile Scopes scopes = new Scopes(null, Map.of(), Map.of());

  /** Builds the limiters of {@code config}, keeping the state of unchanged scopes. */
  public synchronized void configure(L4muxConfig config) {
    Scopes old = scopes;
    long now = System.nanoTime();
    int tableSize = config.defaults().perIpTableSize();
    int nodeMax = config.defaults().maxConnections();
    ScopeLimiter node = nodeMax == 0 ? null : reuse(old.node(), new Limits(nodeMax, 0, null, null), tableSize, now);
    Map<String, ScopeLimiter> listeners = new HashMap<>();
    for (ListenerConfig l : config.listeners()) {
      if (!l.limits().isNone()) {
        listeners.put(l.name(), reuse(old.listeners().get(l.name()), l.limits(), tableSize, now));
      }
    }
    Map<String, ScopeLimiter> routes = new HashMap<>();
    for (RouteConfig r : config.routes()) {
      if (!r.limits().isNone()) {
        routes.put(r.name(), reuse(old.routes().get(r.name()), r.limits(), tableSize, now));
      }
    }
    scopes = new Scopes(node, Map.copyOf(listeners), Map.copyOf(routes));
  }

  private static ScopeLimiter reuse(ScopeLimiter old, Limits limits, int tableSize, long now) {
    return old != null && old.limits().equals(limits) && old.tableSize() == tableSize ? old : new ScopeLimiter(limits, tableSize, now);
  }

  /**
   * Admits a new connection to the node's and its listener's limits.
   *
   * @param client the real client's address (after a trusted PROXY header)
   * @param nowNanos when it was accepted ({@link System#nanoTime}): the connection has read the
   *     clock already, and a read is a third of a limit check's cost (docs/performance.md)
   * @return its admission; {@link Admission#refusal} tells whether it was refused
   */
  public Admission admitListener(String listener, InetAddress client, long nowNanos) {
    return admit(listener, client, nowNanos, true);
  }

  /**
   * Admits a new UDP flow to its listener's limits: {@code maxConnections} counts open flows,
   * {@code maxConnectionsPerIp} flows per client address, the rates new flows. The node-wide
   * {@code defaults.limits.maxConnections} is for connections only (flows have {@code maxUdpFlows}),
   * so a datagram flood never takes a TCP client's slot.
   *
   * @param nowNanos when the flow started ({@link System#nanoTime})
   */
  public Admission admitFlow(String listener, InetAddress client, long nowNanos) {
    return admit(listener, client, nowNanos, false);
  }

  private Admission admit(String listener, InetAddress client, long now, boolean nodeScope) {
    Admission admission = new Admission(this);
    Scopes s = scopes;
    String refusal = !nodeScope || s.node() == null ? null : s.node().admit(client, now, admission);
    ScopeLimiter l = s.listeners().get(listener);
    if (refusal == null && l != null) {
      refusal = l.admit(client, now, admission);
    }
    if (refusal != null) {
      admission.release();
      admission.refuse(refusal);
    }
    return admission;
  }

  String admitRoute(String route, InetAddress client, long nowNanos, Admission admission) {
    ScopeLimiter r = scopes.routes().get(route);
    return r == null ? null : r.admit(client, nowNanos, admission);
  }

  /** Client addresses tracked by a listener's limits (for tests and the admin API). */
  public int trackedSources(String listener) {
    ScopeLimiter l = scopes.listeners().get(listener);
    return l == null ? 0 : l.trackedSources();
  }
}
