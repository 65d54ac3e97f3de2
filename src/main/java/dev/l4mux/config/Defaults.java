package dev.l4mux.config;

/**
 * The {@code defaults} section.
 *
 * @param maxUdpFlows node-wide bound of open UDP flows ({@code limits.maxUdpFlows}); never unbounded
 * @param perIpTableSize {@code limits.perIpTableSize}: the bound of every per-source table
 * @param maxConnections {@code limits.maxConnections}: open connections on the node, 0 = unlimited
 */
public record Defaults(
    Timeouts timeouts, int maxSniffBytes, KeepAlive keepAlive, int maxUdpFlows, int perIpTableSize, int maxConnections) {

  public static final int DEFAULT_MAX_SNIFF_BYTES = 16384;
  public static final int DEFAULT_MAX_UDP_FLOWS = 100_000;
  public static final int DEFAULT_PER_IP_TABLE_SIZE = 100_000;

  public static final Defaults DEFAULT =
      new Defaults(Timeouts.DEFAULT, DEFAULT_MAX_SNIFF_BYTES, KeepAlive.STANDARD, DEFAULT_MAX_UDP_FLOWS, DEFAULT_PER_IP_TABLE_SIZE, 0);

  /** Defaults with the default UDP flow bound, per-source table bound and no node-wide limit. */
  public Defaults(Timeouts timeouts, int maxSniffBytes, KeepAlive keepAlive) {
    this(timeouts, maxSniffBytes, keepAlive, DEFAULT_MAX_UDP_FLOWS, DEFAULT_PER_IP_TABLE_SIZE, 0);
  }

  /** Defaults with the default per-source table bound and no node-wide limit. */
  public Defaults(Timeouts timeouts, int maxSniffBytes, KeepAlive keepAlive, int maxUdpFlows) {
    this(timeouts, maxSniffBytes, keepAlive, maxUdpFlows, DEFAULT_PER_IP_TABLE_SIZE, 0);
  }
}
