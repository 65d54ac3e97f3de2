package dev.l4mux.config;

/**
 * The {@code defaults} section.
 *
 * @param maxUdpFlows node-wide bound of open UDP flows ({@code limits.maxUdpFlows}); never unbounded
 */
public record Defaults(Timeouts timeouts, int maxSniffBytes, KeepAlive keepAlive, int maxUdpFlows) {

  public static final int DEFAULT_MAX_SNIFF_BYTES = 16384;
  public static final int DEFAULT_MAX_UDP_FLOWS = 100_000;

  public static final Defaults DEFAULT =
      new Defaults(Timeouts.DEFAULT, DEFAULT_MAX_SNIFF_BYTES, KeepAlive.STANDARD, DEFAULT_MAX_UDP_FLOWS);
}
