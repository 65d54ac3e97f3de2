package dev.l4mux.udp;

import dev.l4mux.config.HostPort;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyTlv;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * Who a UDP flow is for: the peer whose first datagram started it and, when a trusted peer's first
 * datagram carried a PROXY v2 DGRAM header, the real client the header names. The real client
 * replaces the peer for every per-client rule (access, limits, {@code match.source}, balancing)
 * and in the header sent on; replies still go to the peer (the flow's latest address).
 *
 * @param peer the address the flow's first datagram came from
 * @param header the trusted header read from it, or null
 * @param trusted the peer may send PROXY headers ({@code listeners[].proxyProtocol.trusted})
 * @param forgedHeader an untrusted peer's first datagram began with a PROXY signature (not read)
 */
record FlowIdentity(InetSocketAddress peer, ProxyHeader header, boolean trusted, boolean forgedHeader) {

  static FlowIdentity of(InetSocketAddress peer) {
    return new FlowIdentity(peer, null, false, false);
  }

  /** The real client: the one a trusted header names (PROXY over INET/INET6), else the peer. */
  InetSocketAddress client() {
    InetSocketAddress real = header == null ? null : header.realClient();
    return real != null ? real : peer;
  }

  /** The address the client sent to: the header's destination, else {@code local}. */
  InetSocketAddress destination(InetSocketAddress local) {
    return header != null && header.realClient() != null && header.destination() != null ? header.destination() : local;
  }

  /** The header's client as {@code host:port}, or null (no header, or LOCAL / UNSPEC). */
  String realClientText() {
    InetSocketAddress real = header == null ? null : header.realClient();
    return real == null ? null : text(real);
  }

  /** The header's TLVs as the access log and {@code /api/flows} show them, or null. */
  Map<String, String> tlvs() {
    return header == null || header.tlvs().isEmpty() ? null : ProxyTlv.describe(header.tlvs());
  }

  static String text(InetSocketAddress address) {
    return new HostPort(address.getAddress().getHostAddress(), address.getPort()).toString();
  }
}
