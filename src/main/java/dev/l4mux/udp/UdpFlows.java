package dev.l4mux.udp;

import io.vertx.core.json.JsonArray;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every open UDP flow of the node, for {@code GET /api/flows} and the node-wide bound
 * ({@code defaults.limits.maxUdpFlows}): a flow is admitted only while fewer are open, so a flood
 * of spoofed source addresses can never grow the tables past it.
 */
public final class UdpFlows {

  private final Map<Long, Flow> open = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final UdpMetrics metrics;

  public UdpFlows(UdpMetrics metrics) {
    this.metrics = metrics;
  }

  public UdpMetrics metrics() {
    return metrics;
  }

  long nextId() {
    return ids.incrementAndGet();
  }

  /** Admits a new flow unless {@code max} are open (a race may admit one or two over; never more). */
  boolean admit(Flow flow, int max) {
    if (open.size() >= max) {
      return false;
    }
    open.put(flow.id(), flow);
    return true;
  }

  void remove(Flow flow) {
    open.remove(flow.id());
  }

  /** Open flows now, sniffing ones included. */
  public int size() {
    return open.size();
  }

  /** The open flows as JSON (CONTRACT section 4, {@code /api/flows}), oldest first. */
  public JsonArray toJson() {
    JsonArray list = new JsonArray();
    open.values().stream()
        .sorted(Comparator.comparingLong(Flow::id))
        .forEach(flow -> list.add(flow.toJson()));
    return list;
  }
}
