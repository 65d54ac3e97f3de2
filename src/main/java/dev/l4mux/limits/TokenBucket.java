package dev.l4mux.limits;

import dev.l4mux.config.Limits;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A token bucket for a connection rate {@code N/per}: it holds up to N tokens (the burst), refills
 * at N per {@code per}, and each new connection takes one. Kept as the generic cell rate
 * algorithm's one number (ITU-T I.371 annex 1, virtual scheduling): the theoretical arrival time
 * {@code tat} of the next connection. A connection at {@code t} conforms when {@code tat - t <=
 * (N - 1) x interval}, and moves {@code tat} to {@code max(tat, t) + interval}; the bucket is full
 * when {@code tat <= t}. One number means one compare-and-set per take, no lock: every event loop
 * takes from it.
 */
final class TokenBucket {

  private static final VarHandle TAT;

  static {
    try {
      TAT = MethodHandles.lookup().findVarHandle(TokenBucket.class, "tat", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long originNanos;
  private final double interval; // nanoseconds per token
  private final double tolerance; // how far ahead of time a full burst may run
  private volatile long tat; // nanoseconds since origin, a double's bits (0 is 0.0); a field, not an AtomicLong: one cache miss less per source

  TokenBucket(Limits.Rate rate, long nowNanos) {
    this.originNanos = nowNanos;
    this.interval = rate.per().toNanos() / (double) rate.count();
    this.tolerance = (rate.count() - 1) * interval;
  }

  boolean tryTake(long nowNanos) {
    double t = nowNanos - originNanos;
    for (;;) {
      long bits = tat;
      double next = Math.max(Double.longBitsToDouble(bits), t);
      if (next - t > tolerance) {
        return false;
      }
      if (TAT.compareAndSet(this, bits, Double.doubleToRawLongBits(next + interval))) {
        return true;
      }
    }
  }

  /** Gives back a token taken for a connection that another rule then refused. */
  void refund() {
    for (;;) {
      long bits = tat;
      if (TAT.compareAndSet(this, bits, Double.doubleToRawLongBits(Double.longBitsToDouble(bits) - interval))) {
        return;
      }
    }
  }

  /** Holds its whole burst: equal to a new bucket. */
  boolean isFull(long nowNanos) {
    return Double.longBitsToDouble(tat) <= nowNanos - originNanos;
  }
}
