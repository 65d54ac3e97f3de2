package dev.l4mux.config;

import java.time.Duration;

/**
 * Effective timeouts of a listener or route: the defaults with any per-listener or per-route
 * override already applied by the parser.
 *
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
    Duration maxLifetime,
    Duration firstResponse) {

  public static final Timeouts DEFAULT =
      new Timeouts(
          Duration.ofSeconds(5),
          Duration.ofSeconds(3),
          Duration.ofSeconds(10),
          Duration.ofHours(1),
          Duration.ofSeconds(30));

  /** Timeouts without a lifetime or first-response limit. */
  public Timeouts(Duration sniff, Duration proxyHeader, Duration connect, Duration idle, Duration drain) {
    this(sniff, proxyHeader, connect, idle, drain, Duration.ZERO, Duration.ZERO);
  }
}
