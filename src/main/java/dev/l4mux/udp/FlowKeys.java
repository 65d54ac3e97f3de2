package dev.l4mux.udp;

import dev.l4mux.udp.QuicConnectionIds.ConnectionId;
import io.netty.buffer.ByteBuf;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The keys besides its client's address by which a flow is found again when its client moves:
 * the QUIC connection IDs its server chose (read from clear-text long headers, RFC 9000 9) and the
 * WireGuard session indexes its backend chose (read from its handshake messages, whitepaper 5.4),
 * registered in the listener-wide indexes of {@link UdpListener} and forgotten when the flow ends.
 * Written on the flow's loop; the lists are read by the admin API.
 */
final class FlowKeys {

  /** Keys kept per flow and kind: a server uses one or two at a time; WireGuard rekeys every two minutes. */
  static final int MAX_KEYS = 4;

  private final UdpListener listener;
  private final Flow flow;
  private ConnectionId originalId;
  private final List<ConnectionId> connectionIds = new CopyOnWriteArrayList<>();
  private final List<Integer> indexes = new CopyOnWriteArrayList<>();

  FlowKeys(UdpListener listener, Flow flow) {
    this.listener = listener;
    this.flow = flow;
  }

  /** The Destination Connection ID of the QUIC flow's first Initial (its keys derive from it). */
  void quicStarted(ByteBuf firstInitial) {
    originalId = QuicConnectionIds.initialDestination(firstInitial);
  }

  /**
   * True when this datagram, from the flow's own client address, opens another QUIC connection:
   * an Initial whose Destination Connection ID is neither the first one nor one the server chose.
   */
  boolean startsAnotherConnection(ByteBuf datagram) {
    if (originalId == null) {
      return false;
    }
    ConnectionId destination = QuicConnectionIds.initialDestination(datagram);
    return destination != null && !destination.equals(originalId) && !connectionIds.contains(destination);
  }

  /** Learns what a backend's reply tells in clear text, by the flow's protocol. */
  void fromBackend(String protocol, ByteBuf datagram) {
    if ("quic".equals(protocol) && connectionIds.size() < MAX_KEYS) {
      ConnectionId chosen = QuicConnectionIds.longHeaderSource(datagram);
      if (chosen != null && !connectionIds.contains(chosen)) {
        connectionIds.add(chosen);
        listener.learned(chosen, flow);
      }
    } else if ("wireguard".equals(protocol)) {
      learnIndex(WireGuardIndexes.backendSender(datagram));
    }
  }

  /**
   * A new session index of the backend (a new handshake, at least every two minutes, whitepaper
   * 6.1): the client's transport messages will carry it, from whatever address it roams to. The
   * oldest beyond {@link #MAX_KEYS} is forgotten (its session is over).
   */
  private void learnIndex(Integer index) {
    if (index == null || indexes.contains(index)) {
      return;
    }
    indexes.add(index);
    listener.learnedIndex(index, flow);
    if (indexes.size() > MAX_KEYS) {
      listener.forgetIndex(indexes.remove(0), flow);
    }
  }

  void forgetAll() {
    connectionIds.forEach(id -> listener.forget(id, flow));
    indexes.forEach(index -> listener.forgetIndex(index, flow));
  }

  JsonArray connectionIdsJson() {
    return new JsonArray(List.copyOf(connectionIds).stream().map(Object::toString).toList());
  }

  JsonArray indexesJson() {
    return new JsonArray(List.copyOf(indexes).stream().map(i -> String.format("%08x", i)).toList());
  }
}
