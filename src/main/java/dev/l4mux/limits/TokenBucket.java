package dev.l4mux.limits;

import dev.l4mux.config.Limits;

/**
 * A token bucket for a connection rate {@code N/per}: it holds up to N tokens (the burst), refills
 * at N per {@code per}, and each new connection takes one. Not thread-safe: its owner locks.
 */
final class TokenBucket {

  private final double capacity;
  private final double tokensPerNano;
  private double tokens;
  private long lastNanos;

  TokenBucket(Limits.Rate rate, long nowNanos) {
    this.capacity = rate.count();
    this.tokensPerNano = rate.count() / (double) rate.per().toNanos();
    this.tokens = capacity;
    this.lastNanos = nowNanos;
  }

  boolean tryTake(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * tokensPerNano);
      lastNanos = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Gives back a token taken for a connection that another rule then refused. */
  void refund() {
    tokens = Math.min(capacity, tokens + 1);
  }
}
