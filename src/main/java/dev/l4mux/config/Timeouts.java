package dev.l4mux.config;

import java.time.Duration;

/**
 * Effective timeouts of a listener or route: the defaults with any per-listener or per-route
 * override already applied by the parser.
 *
 * @param udpIdle a UDP flow with no datagram either way for this long ends
 * @param maxLifetime a relayed connection is closed this long after it was accepted; zero: never
 * @param firstResponse the client sent bytes and the backend answered nothing for this long:
 *     close; zero: no limit
 */
public record Timeouts(
    Duration sniff,
    Duration proxyHeader,
    Duration connect,
    Duration idle,
    Duration drain,
    Duration udpIdle,
    Duration maxLifetime,
    Duration firstResponse) {

  public static final Timeouts DEFAULT =
      new Timeouts(
          Duration.ofSeconds(5),
          Duration.ofSeconds(3),
          Duration.ofSeconds(10),
          Duration.ofHours(1),
          Duration.ofSeconds(30),
          Duration.ofSeconds(30));

  /** Timeouts without a lifetime or first-response limit. */
  public Timeouts(Duration sniff, Duration proxyHeader, Duration connect, Duration idle, Duration drain, Duration udpIdle) {
    this(sniff, proxyHeader, connect, idle, drain, udpIdle, Duration.ZERO, Duration.ZERO);
  }

  /** Timeouts with the default UDP idle time and no lifetime or first-response limit. */
  public Timeouts(Duration sniff, Duration proxyHeader, Duration connect, Duration idle, Duration drain) {
    this(sniff, proxyHeader, connect, idle, drain, Duration.ofSeconds(30));
  }
}
