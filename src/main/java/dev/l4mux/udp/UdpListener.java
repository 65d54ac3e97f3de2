package dev.l4mux.udp;

import dev.l4mux.NodeState;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.route.RouteTable;
import dev.l4mux.udp.QuicConnectionIds.ConnectionId;
import io.netty.buffer.ByteBuf;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the flows of one deployed UDP listener share: the node, the datagram socket factory, the
 * drop counters, and the indexes of QUIC connection IDs and WireGuard session indexes to flows.
 * They are listener-wide (not per loop) because a client whose address changed hashes to another
 * loop's SO_REUSEPORT socket.
 */
final class UdpListener {

  private final String name;
  private final ListenerConfig deployed;
  private final NodeState state;
  private final Vertx vertx;
  private final UdpSockets sockets;
  private final Map<ConnectionId, Flow> byConnectionId = new ConcurrentHashMap<>();
  private final Set<Integer> connectionIdLengths = ConcurrentHashMap.newKeySet();
  private final Map<Integer, Flow> byReceiverIndex = new ConcurrentHashMap<>();
  private final Map<String, Counter> drops = new ConcurrentHashMap<>();
  private volatile Policies policies;

  UdpListener(ListenerConfig deployed, NodeState state, Vertx vertx, UdpSockets sockets) {
    this.name = deployed.name();
    this.deployed = deployed;
    this.state = state;
    this.vertx = vertx;
    this.sockets = sockets;
  }

  String name() {
    return name;
  }

  NodeState state() {
    return state;
  }

  Vertx vertx() {
    return vertx;
  }

  UdpSockets sockets() {
    return sockets;
  }

  UdpFlows flows() {
    return state.udpFlows();
  }

  /** The listener's settings in the active table (a listener kept across a reload reads the newest). */
  ListenerConfig settings() {
    RouteTable table = state.routeTable();
    return table == null ? deployed : table.listener(name).orElse(deployed);
  }

  /** The listener's access lists and trusted peers, compiled once per route table. */
  dev.l4mux.access.ClientPolicies policies() {
    RouteTable table = state.routeTable();
    Policies known = policies;
    if (known == null || known.table() != table) {
      known = new Policies(table, new dev.l4mux.access.ClientPolicies(table == null ? null : table.config(), settings()));
      policies = known;
    }
    return known.policies();
  }

  /**
   * A flow refused before it relayed a datagram: its held datagrams are dropped, counted under
   * {@code reason} in {@code l4mux_udp_drops_total}, and the refusal in {@code
   * l4mux_rejections_total} (except {@code flow_limit}, the table's bound, and {@code no_route},
   * sanitization: drops only, as before).
   */
  void refused(String reason, int datagrams) {
    if (!UdpMetrics.FLOW_LIMIT.equals(reason) && !UdpMetrics.NO_ROUTE.equals(reason)) {
      state.metrics().rejected(name, reason);
    }
    dropped(reason, datagrams);
  }

  void dropped(String reason, int datagrams) {
    drops.computeIfAbsent(reason, r -> flows().metrics().drops(name, r)).increment(datagrams);
  }

  /**
   * The flow a datagram from an unknown address belongs to, when it says so: a QUIC short header
   * with a learnt connection ID, or a WireGuard message to a learnt backend index; else null.
   */
  Flow moved(ByteBuf datagram) {
    Flow flow = byConnectionId(datagram);
    if (flow == null && !byReceiverIndex.isEmpty()) {
      Integer index = WireGuardIndexes.clientReceiver(datagram);
      flow = index == null ? null : byReceiverIndex.get(index);
    }
    return flow;
  }

  void learnedIndex(int index, Flow flow) {
    byReceiverIndex.putIfAbsent(index, flow);
  }

  void forgetIndex(int index, Flow flow) {
    byReceiverIndex.remove(index, flow);
  }

  /** A flow that owns the connection ID this short-header datagram starts with, or null. */
  private Flow byConnectionId(ByteBuf datagram) {
    if (byConnectionId.isEmpty()) {
      return null;
    }
    for (int length : connectionIdLengths) {
      ConnectionId id = QuicConnectionIds.shortHeaderDestination(datagram, length);
      Flow flow = id == null ? null : byConnectionId.get(id);
      if (flow != null) {
        return flow;
      }
    }
    return null;
  }

  void learned(ConnectionId id, Flow flow) {
    connectionIdLengths.add(id.length());
    byConnectionId.putIfAbsent(id, flow);
  }

  void forget(ConnectionId id, Flow flow) {
    byConnectionId.remove(id, flow);
  }

  private record Policies(RouteTable table, dev.l4mux.access.ClientPolicies policies) {}
}
