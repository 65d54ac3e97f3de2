package dev.l4mux.config;

import java.time.Duration;

/**
 * How a route treats its backends beyond the balance policy.
 *
 * @param stickyTtl sticky_source: how long a client keeps its backend after its last connection
 * @param retries further backends tried after a refused or timed-out connect
 * @param health the active check, or null for passive health only
 * @param outlier passive ejection, or null for none (a failed backend is then only tried last)
 * @param onRemove what happens to the route's open connections when a new config removes or changes it
 * @param closeOnBackendDown {@code onBackendDown: close}: open connections to a backend that active
 *     health marks down are closed (default {@code keep})
 */
public record BackendPolicy(
    Duration stickyTtl, int retries, HealthCheck health, Outlier outlier, OnRemove onRemove, boolean closeOnBackendDown) {

  public static final Duration DEFAULT_STICKY_TTL = Duration.ofMinutes(30);
  public static final int DEFAULT_RETRIES = 2;

  public static final BackendPolicy DEFAULT =
      new BackendPolicy(DEFAULT_STICKY_TTL, DEFAULT_RETRIES, null, null, OnRemove.KEEP, false);

  /** {@code onRemove}: the fate of a removed or changed route's open connections. */
  public enum OnRemove {
    /** Closed after the route's {@code timeouts.drain}. */
    DRAIN,
    /** Left to run on their old backend (the default: a reload never cuts a connection). */
    KEEP,
    /** Closed at once. */
    CLOSE
  }
}
