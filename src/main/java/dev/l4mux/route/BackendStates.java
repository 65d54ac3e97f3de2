package dev.l4mux.route;

import dev.l4mux.config.HealthCheck;
import dev.l4mux.config.HostPort;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's backend state that outlives route tables: per route and address the live counts and
 * passive verdicts, per address and check configuration the active verdict (one check schedule
 * however many routes share it), and per route the sticky_source affinity table. Thread-safe:
 * tables are built on the configuration's thread, read on every event loop.
 */
public final class BackendStates {

  /** One active check: the address it checks and how. */
  public record CheckKey(HostPort address, HealthCheck check) {}

  private record RouteAddress(String route, HostPort address) {}

  private final Map<RouteAddress, BackendState> states = new ConcurrentHashMap<>();
  private final Map<CheckKey, ActiveStatus> checks = new ConcurrentHashMap<>();
  private final Map<String, AffinityTable> affinities = new ConcurrentHashMap<>();
  private volatile BuiltinAddresses builtins = BuiltinAddresses.NONE;

  /** Where the node's built-in backends listen; backends of every table look them up per connect. */
  public void useBuiltins(BuiltinAddresses builtins) {
    this.builtins = builtins;
  }

  /** Where the node's built-in backends listen now. */
  public BuiltinAddresses builtins() {
    return builtins;
  }

  BackendState state(String route, HostPort address) {
    return states.computeIfAbsent(new RouteAddress(route, address), k -> new BackendState());
  }

  ActiveStatus active(HostPort address, HealthCheck check) {
    return checks.computeIfAbsent(new CheckKey(address, check), k -> new ActiveStatus());
  }

  /** The route's affinity table, kept across tables unless its bound or ttl changed. */
  AffinityTable affinity(String route, int capacity, Duration ttl) {
    return affinities.compute(route, (k, old) ->
        old != null && old.capacity() == capacity && old.ttlNanos() == ttl.toNanos() ? old : new AffinityTable(capacity, ttl.toNanos()));
  }

  /** Every active check the current tables need, with the verdict its checker writes. */
  public Map<CheckKey, ActiveStatus> activeChecks() {
    return Map.copyOf(checks);
  }

  /** Forgets what {@code table} no longer uses (removed routes, backends and checks). */
  public void retain(RouteTable table) {
    Set<RouteAddress> liveStates = new HashSet<>();
    Set<CheckKey> liveChecks = new HashSet<>();
    Set<String> liveRoutes = new HashSet<>();
    table.config().routes().forEach(route -> {
      liveRoutes.add(route.name());
      route.backends().forEach(b -> {
        liveStates.add(new RouteAddress(route.name(), b.address()));
        if (route.backendPolicy().health() != null) {
          liveChecks.add(new CheckKey(b.address(), route.backendPolicy().health()));
        }
      });
    });
    states.keySet().retainAll(liveStates);
    checks.keySet().retainAll(liveChecks);
    affinities.keySet().retainAll(liveRoutes);
  }
}
