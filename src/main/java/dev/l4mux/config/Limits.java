package dev.l4mux.config;

import java.time.Duration;

/**
 * Connection limits of a listener, a route, or the node ({@code limits}, CONTRACT section 3). 0 or
 * null means unlimited.
 *
 * @param maxConnections open connections at once
 * @param maxConnectionsPerIp open connections at once from one client address
 * @param connectionRatePerIp new connections from one client address (token bucket), or null
 * @param connectionRate new connections in all (token bucket), or null
 */
public record Limits(int maxConnections, int maxConnectionsPerIp, Rate connectionRatePerIp, Rate connectionRate) {

  public static final Limits NONE = new Limits(0, 0, null, null);

  /** A rate such as {@code 50/s}: {@code count} connections per {@code per}, bursts up to {@code count}. */
  public record Rate(int count, Duration per) {}

  public boolean isNone() {
    return equals(NONE);
  }

  /** True when some rule needs state per client address. */
  public boolean perIp() {
    return maxConnectionsPerIp > 0 || connectionRatePerIp != null;
  }
}
