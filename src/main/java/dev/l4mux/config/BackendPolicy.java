package dev.l4mux.config;

import java.time.Duration;

/**
 * How a route treats its backends beyond the balance policy.
 *
 * @param stickyTtl sticky_source: how long a client keeps its backend after its last connection
 * @param retries further backends tried after a refused or timed-out connect
 * @param health the active check, or null for passive health only
 * @param outlier passive ejection, or null for none (a failed backend is then only tried last)
 */
public record BackendPolicy(Duration stickyTtl, int retries, HealthCheck health, Outlier outlier) {

  public static final Duration DEFAULT_STICKY_TTL = Duration.ofMinutes(30);
  public static final int DEFAULT_RETRIES = 2;

  public static final BackendPolicy DEFAULT = new BackendPolicy(DEFAULT_STICKY_TTL, DEFAULT_RETRIES, null, null);
}
