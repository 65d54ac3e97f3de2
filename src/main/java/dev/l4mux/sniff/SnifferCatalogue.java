package dev.l4mux.sniff;

import java.util.List;

/**
 * The ordered catalogue of sniffers (after caddy-l4's imports.go): adding a protocol is one line
 * here plus its file. Order matters only for tie-breaking; the sniffers are disjoint on real traffic
 * (a fixture test checks that every captured sample is claimed by exactly one).
 */
public final class SnifferCatalogue {

  private static final List<Sniffer> ALL =
      List.of(
          new TlsSniffer(), // RFC 8446 ClientHello: content type 22 first
          new HttpSniffer(), // RFC 9112 request line (and the RFC 9113 3.4 h2c preface)
          new SshSniffer()); // RFC 4253 4.2 "SSH-" identification string

  private SnifferCatalogue() {}

  /** Every sniffer, in decision order. */
  public static List<Sniffer> all() {
    return ALL;
  }
}
