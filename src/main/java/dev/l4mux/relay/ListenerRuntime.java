package dev.l4mux.relay;

import dev.l4mux.access.ClientPolicies;
import dev.l4mux.NodeState;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.route.RouteTable;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the connections of one deployed listener share: the node, how to make backend sockets, the
 * per-loop batches of closed-connection facts, and a count of its open connections (for its drain).
 */
final class ListenerRuntime {

  private final String name;
  private final ListenerConfig deployed;
  private final NodeState state;
  private final Sockets sockets;
  private final BackendConnector connector;
  private final Map<EventLoop, ClosedBatch> batches;
  private final AtomicInteger open = new AtomicInteger();
  private final ListenerRefusals refusals = new ListenerRefusals();
  private final ChannelFutureListener socketClosed;
  private volatile Current current;

  ListenerRuntime(ListenerConfig deployed, NodeState state, Sockets sockets, BackendConnector connector, Map<EventLoop, ClosedBatch> batches) {
    this.name = deployed.name();
    this.deployed = deployed;
    this.state = state;
    this.sockets = sockets;
    this.connector = connector;
    this.batches = Map.copyOf(batches);
    this.socketClosed = closed -> state.metrics().socketClosed();
  }

  NodeState state() {
    return state;
  }

  Sockets sockets() {
    return sockets;
  }

  BackendConnector connector() {
    return connector;
  }

  /** Connections its limits refused that await their answer. */
  ListenerRefusals refusals() {
    return refusals;
  }

  /** A handler for a socket just accepted, with the listener's settings of the current table. */
  ProxiedConnection accepted(Channel socket) {
    Current known = current();
    return new ProxiedConnection(state.connections().nextId(), this, known.settings(), known.policies(), socket);
  }

  /**
   * The listener's settings in the active table: a listener kept bound across a reload (same
   * addresses) takes its other settings (timeouts, fallback) from the newest version.
   */
  private Current current() {
    RouteTable table = state.routeTable();
    Current known = current;
    if (known == null || known.table() != table) {
      ListenerConfig settings = table == null ? deployed : table.listener(name).orElse(deployed);
      known = new Current(table, settings, new ClientPolicies(table == null ? null : table.config(), settings));
      current = known;
    }
    return known;
  }

  /** Counts {@code socket} in {@code l4mux_sockets_open} until it closes. */
  void track(Channel socket) {
    state.metrics().socketOpened();
    socket.closeFuture().addListener(socketClosed);
  }

  void opened() {
    open.incrementAndGet();
  }

  /** Called once per connection, on its event loop, when it has ended. */
  void closed(EventLoop loop, ConnectionClosed facts) {
    open.decrementAndGet();
    batches.get(loop).add(facts);
  }

  int openConnections() {
    return open.get();
  }

  /** Publishes every batch now (on each batch's loop). */
  void publishAll() {
    batches.forEach((loop, batch) -> loop.execute(batch::publish));
  }

  private record Current(RouteTable table, ListenerConfig settings, ClientPolicies policies) {}
}
