package dev.l4mux.config;

import java.util.List;

/**
 * A route's match: every given field must hold; an empty list or null protocol matches anything.
 *
 * @param protocol a sniffer id, "unknown", or null for any
 */
public record Match(
    String protocol,
    List<NamePattern> sni,
    List<String> alpn,
    List<NamePattern> host,
    List<Cidr> source) {

  public static final Match ANY = new Match(null, List.of(), List.of(), List.of(), List.of());

  public Match {
    sni = List.copyOf(sni);
    alpn = List.copyOf(alpn);
    host = List.copyOf(host);
    source = List.copyOf(source);
  }

  /** True when only facts known at accept time (the source address) are needed to decide. */
  public boolean needsNoSniffing() {
    return protocol == null && sni.isEmpty() && alpn.isEmpty() && host.isEmpty();
  }
}
