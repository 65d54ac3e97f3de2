package dev.l4mux.config;

import java.util.List;
import java.util.Map;

/**
 * {@code routes[].proxyProtocol}: the header written to the backend right after its connect.
 *
 * @param version NONE, V1 or V2
 * @param forward TLV types copied from a trusted upstream header (v2)
 * @param add fixed TLVs to add, type to UTF-8 text (v2), in the order written
 * @param datagrams (l4mux) UDP flows: the header on the flow's first datagram only, or on every one
 */
public record ProxyProtocolSend(Version version, List<Integer> forward, Map<Integer, String> add, Datagrams datagrams) {

  /** {@code send}. */
  public enum Version { NONE, V1, V2 }

  /** {@code datagrams}: which datagrams of a UDP flow carry the header. */
  public enum Datagrams { FIRST, EVERY }

  public static final ProxyProtocolSend NONE = new ProxyProtocolSend(Version.NONE, List.of(), Map.of());

  /** A header on a UDP flow's first datagram only (the default). */
  public ProxyProtocolSend(Version version, List<Integer> forward, Map<Integer, String> add) {
    this(version, forward, add, Datagrams.FIRST);
  }

  public ProxyProtocolSend {
    forward = List.copyOf(forward);
    add = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(add));
  }

  public boolean sends() {
    return version != Version.NONE;
  }
}
