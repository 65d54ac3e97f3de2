package dev.l4mux.sniff;

import java.util.List;

/**
 * The ordered catalogue of datagram sniffers, beside {@link SnifferCatalogue} for streams: adding
 * a UDP protocol is one line here plus its file. The sniffers are disjoint on real traffic.
 */
public final class DatagramSnifferCatalogue {

  private static final List<DatagramSniffer> ALL =
      List.of(
          new QuicSniffer(), // RFC 9000 17.2.2 / RFC 9369 client Initial: a long header first
          new WireGuardSniffer()); // whitepaper 5.4.2: 148 bytes, type 1, three zero bytes

  private DatagramSnifferCatalogue() {}

  /** Every datagram sniffer, in decision order. */
  public static List<DatagramSniffer> all() {
    return ALL;
  }
}
