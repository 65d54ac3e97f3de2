package dev.l4mux.relay;

import dev.l4mux.config.HostPort;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyTlv;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * Who a connection is for: the peer that connected and, after a trusted PROXY header, the real
 * client it names (doc/proxy-protocol.txt section 2). The real client replaces the peer for
 * everything downstream (access, routing by source, balancing, the header sent on); logs and the
 * admin API show both. Confined to the connection's event loop, read elsewhere only for snapshots.
 */
final class ClientIdentity {

  private volatile InetSocketAddress peer;
  private volatile ProxyHeader header;

  void peer(InetSocketAddress address) {
    peer = address;
  }

  InetSocketAddress peer() {
    return peer;
  }

  void header(ProxyHeader received) {
    header = received;
  }

  /** The trusted header received, or null. */
  ProxyHeader header() {
    return header;
  }

  /**
   * The real client: the one a trusted PROXY header names, else the peer. Every per-client rule
   * (access, limits, source matching, balancing) asks this one method.
   */
  InetSocketAddress client() {
    ProxyHeader h = header;
    InetSocketAddress real = h == null ? null : h.realClient();
    return real != null ? real : peer;
  }

  /** The address the client connected to: the header's destination, else {@code local}. */
  InetSocketAddress destination(InetSocketAddress local) {
    ProxyHeader h = header;
    return h != null && h.realClient() != null && h.destination() != null ? h.destination() : local;
  }

  /** The peer that connected, as {@code host:port} (null before it is known). */
  String peerText() {
    return text(peer);
  }

  /** The client a trusted PROXY header named, or null (no header, or LOCAL / UNKNOWN). */
  String realClientText() {
    ProxyHeader h = header;
    return text(h == null ? null : h.realClient());
  }

  /** The header's TLVs as the access log and admin API show them, or null. */
  Map<String, String> tlvs() {
    ProxyHeader h = header;
    return h == null || h.tlvs().isEmpty() ? null : ProxyTlv.describe(h.tlvs());
  }

  private static String text(InetSocketAddress address) {
    return address == null ? null : new HostPort(address.getAddress().getHostAddress(), address.getPort()).toString();
  }
}
