package dev.l4mux.udp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The UDP meters of CONTRACT section 5: {@code l4mux_udp_flows_active{listener,route}},
 * {@code l4mux_udp_datagrams_total{listener,route,direction}} and
 * {@code l4mux_udp_drops_total{listener,reason}}. Cells are looked up once per flow, not per
 * datagram.
 */
public final class UdpMetrics {

  /** Drop reasons: no route and no fallback (sanitization), the flow table full, a queue full. */
  static final String NO_ROUTE = "no_route";
  static final String FLOW_LIMIT = "flow_limit";
  static final String QUEUE_FULL = "queue_full";
  static final String BACKEND_UNAVAILABLE = "backend_unavailable";
  /** A trusted peer's broken, missing (required) or inconsistent PROXY header; an untrusted one's no route took. */
  static final String BAD_PROXY_HEADER = "bad_proxy_header";

  private final MeterRegistry registry;
  private final Map<List<String>, AtomicLong> active = new ConcurrentHashMap<>();

  public UdpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The gauge cell of {@code l4mux_udp_flows_active}; callers add and subtract. */
  AtomicLong activeFlows(String listener, String route) {
    return active.computeIfAbsent(
        List.of(listener, route),
        k -> {
          AtomicLong cell = new AtomicLong();
          Gauge.builder("l4mux.udp.flows.active", cell, AtomicLong::get)
              .description("Open UDP flows")
              .tags("listener", listener, "route", route)
              .register(registry);
          return cell;
        });
  }

  /** Sum of {@code l4mux_udp_flows_active} over all label sets. */
  public long activeFlowsTotal() {
    return active.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** {@code direction}: {@code upstream} (client to backend) or {@code downstream}. */
  Counter datagrams(String listener, String route, String direction) {
    return Counter.builder("l4mux.udp.datagrams")
        .description("UDP datagrams relayed")
        .tags("listener", listener, "route", route, "direction", direction)
        .register(registry);
  }

  Counter drops(String listener, String reason) {
    return Counter.builder("l4mux.udp.drops")
        .description("UDP datagrams dropped, by reason")
        .tags("listener", listener, "reason", reason)
        .register(registry);
  }

  /** Datagrams dropped for a reason, over all listeners. */
  public double dropsTotal(String reason) {
    return registry.find("l4mux.udp.drops").tag("reason", reason).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }
}
