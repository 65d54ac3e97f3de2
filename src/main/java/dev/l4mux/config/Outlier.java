package dev.l4mux.config;

import java.time.Duration;

/**
 * Passive outlier ejection ({@code routes[].outlier}): after {@code consecutiveFailures} failed
 * connects in a row a backend is left out for {@code ejection}, doubled each time it is ejected
 * again before a connect succeeds.
 */
public record Outlier(int consecutiveFailures, Duration ejection) {}
