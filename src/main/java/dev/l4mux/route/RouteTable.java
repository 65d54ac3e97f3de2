package dev.l4mux.route;

import dev.l4mux.config.BackendPolicy;
import dev.l4mux.config.Balance;
import dev.l4mux.config.Cidr;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.config.Match;
import dev.l4mux.config.NamePattern;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.sniff.Sniffed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable route table built from one configuration version; swapped whole on change.
 *
 * <p>Route choice (CONTRACT section 3): among routes that apply to the listener and whose match
 * holds, the most specific wins: exact SNI/Host &gt; wildcard &gt; regex &gt; protocol only &gt;
 * catch-all; ties go to the first in the file. No match: the listener's fallback.
 */
public final class RouteTable {

  private final long version;
  private final L4muxConfig config;
  private final Map<String, ListenerRoutes> routesByListener = new HashMap<>();
  private final Map<String, CompiledRoute> routesByName = new HashMap<>();

  /** A table whose backend state is its own (tests, tools). */
  public RouteTable(long version, L4muxConfig config) {
    this(version, config, new BackendStates());
  }

  /**
   * @param states the node's backend state, shared with the tables before and after this one
   */
  public RouteTable(long version, L4muxConfig config, BackendStates states) {
    this.version = version;
    this.config = config;
    List<RouteConfig> routes = config.routes();
    for (RouteConfig route : routes) {
      BackendPolicy policy = route.backendPolicy();
      List<Backend> backends = route.backends().stream()
          .map(b -> new Backend(route.name(), b, states.state(route.name(), b.address()),
              policy.health() == null ? null : states.active(b.address(), policy.health()), policy.outlier(),
              states.builtins()))
          .toList();
      AffinityTable affinity = route.balance() == Balance.STICKY_SOURCE
          ? states.affinity(route.name(), config.defaults().perIpTableSize(), policy.stickyTtl())
          : null;
      routesByName.put(route.name(),
          new CompiledRoute(route, backends, new Balancer(route.balance(), backends, 1 + policy.retries(), affinity)));
    }
    for (ListenerConfig listener : config.listeners()) {
      List<CompiledRoute> applicable = new ArrayList<>();
      for (RouteConfig route : routes) {
        if (route.appliesTo(listener.name())) {
          applicable.add(routesByName.get(route.name()));
        }
      }
      CompiledRoute fallback = listener.rejectsUnmatched() ? null : routesByName.get(listener.fallback());
      routesByListener.put(listener.name(), new ListenerRoutes(
          List.copyOf(applicable),
          fallback,
          // A terminating route needs the ClientHello's SNI to choose its certificate.
          applicable.isEmpty() || applicable.stream().anyMatch(r -> !r.route().match().needsNoSniffing() || r.route().tls().terminates()),
          applicable.stream().anyMatch(r -> !r.route().match().source().isEmpty())));
    }
  }

  public long version() {
    return version;
  }

  public L4muxConfig config() {
    return config;
  }

  public Optional<ListenerConfig> listener(String name) {
    return config.listener(name);
  }

  /** Every backend of every route, for health and metrics. */
  public List<Backend> backends() {
    return routesByName.values().stream().flatMap(r -> r.backends().stream()).toList();
  }

  public List<Backend> backends(String route) {
    CompiledRoute compiled = routesByName.get(route);
    return compiled == null ? List.of() : compiled.backends();
  }

  /**
   * True when the routes of this listener can be told apart by sniffed facts. When false the
   * listener connects at once, so server-first protocols (SMTP, MySQL, FTP) get their greeting.
   */
  public boolean needsSniffing(String listener) {
    ListenerRoutes routes = routesByListener.get(listener);
    return routes == null || routes.needsSniffing();
  }

  /**
   * Decides where a connection goes. Never throws. Called on the accepting event loop for every
   * connection, so what can be worked out per table is (see docs/performance.md).
   */
  public RouteDecision decide(RouteRequest request) {
    ListenerRoutes routes = routesByListener.getOrDefault(request.listener(), ListenerRoutes.NONE);
    byte[] source = routes.matchesSource() ? parseSource(request.sourceHost()) : null;
    CompiledRoute best = null;
    int bestScore = -1;
    for (CompiledRoute candidate : routes.routes()) {
      int score = specificity(candidate.route().match(), request.facts(), source);
      if (score > bestScore) { // strictly greater: ties keep the earlier route
        best = candidate;
        bestScore = score;
      }
    }
    if (best == null) {
      best = routes.fallback();
    }
    if (best == null) {
      return new RouteDecision.Reject(RouteDecision.NO_ROUTE);
    }
    List<Backend> candidates = best.balancer().order(request.sourceHost(), request.sourcePort());
    if (candidates.isEmpty() && routes.fallback() != null && routes.fallback() != best) {
      // No backend of the chosen route may be picked (health): the listener's fallback serves.
      best = routes.fallback();
      candidates = best.balancer().order(request.sourceHost(), request.sourcePort());
    }
    if (candidates.isEmpty()) {
      return new RouteDecision.Reject(RouteDecision.BACKEND_UNAVAILABLE);
    }
    return new RouteDecision.Forward(best.route(), candidates);
  }

  /**
   * The specificity of a match against the facts, or -1 when it does not hold. Name tier (exact 3,
   * wildcard 2, regex 1) dominates; then protocol, ALPN and source each add a little.
   */
  static int specificity(Match match, Sniffed facts, byte[] source) {
    if (match.protocol() != null && !match.protocol().equals(facts.protocol())) {
      return -1;
    }
    int nameTier = 0;
    if (!match.sni().isEmpty()) {
      int tier = bestTier(match.sni(), facts.sni());
      if (tier < 0) {
        return -1;
      }
      nameTier = Math.max(nameTier, tier);
    }
    if (!match.host().isEmpty()) {
      int tier = bestTier(match.host(), facts.host());
      if (tier < 0) {
        return -1;
      }
      nameTier = Math.max(nameTier, tier);
    }
    if (!match.alpn().isEmpty() && facts.alpn().stream().noneMatch(match.alpn()::contains)) {
      return -1;
    }
    if (!match.source().isEmpty() && (source == null || match.source().stream().noneMatch(c -> c.contains(source)))) {
      return -1;
    }
    return nameTier * 8
        + (match.protocol() != null ? 4 : 0)
        + (match.alpn().isEmpty() ? 0 : 2)
        + (match.source().isEmpty() ? 0 : 1);
  }

  private static int bestTier(List<NamePattern> patterns, String name) {
    int best = -1;
    for (NamePattern pattern : patterns) {
      if (pattern.matches(name)) {
        best = Math.max(best, 3 - pattern.kind().ordinal());
      }
    }
    return best;
  }

  private static byte[] parseSource(String host) {
    if (host == null) {
      return null;
    }
    // InetAddress.getHostAddress() (and so Vert.x's hostAddress()) appends "%zone" to scoped
    // IPv6 addresses such as fe80::1%eth0; the zone is not part of the address a CIDR matches.
    int zone = host.indexOf('%');
    String literal = zone < 0 ? host : host.substring(0, zone);
    try {
      return Cidr.parseLiteral(literal);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private record CompiledRoute(RouteConfig route, List<Backend> backends, Balancer balancer) {}

  /** A listener's routes in file order, its fallback (null: reject) and what matching them needs. */
  private record ListenerRoutes(List<CompiledRoute> routes, CompiledRoute fallback, boolean needsSniffing, boolean matchesSource) {
    static final ListenerRoutes NONE = new ListenerRoutes(List.of(), null, true, false);
  }
}
