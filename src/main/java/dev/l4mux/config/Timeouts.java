package dev.l4mux.config;

import java.time.Duration;

/**
 * Effective timeouts of a listener or route: the defaults with any per-listener or per-route
 * override already applied by the parser.
 *
 * @param udpIdle a UDP flow with no datagram either way for this long ends
 */
public record Timeouts(
    Duration sniff,
    Duration proxyHeader,
    Duration connect,
    Duration idle,
    Duration drain,
    Duration udpIdle) {

  public static final Timeouts DEFAULT =
      new Timeouts(
          Duration.ofSeconds(5),
          Duration.ofSeconds(3),
          Duration.ofSeconds(10),
          Duration.ofHours(1),
          Duration.ofSeconds(30),
          Duration.ofSeconds(30));
}
