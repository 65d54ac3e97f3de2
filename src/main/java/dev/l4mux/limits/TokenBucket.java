package dev.l4mux.limits;

import dev.l4mux.config.Limits;

/**
 * Token buckets for a connection rate {@code N/per}: each holds up to N tokens (the burst), refills
 * at N per {@code per}, and each new connection takes one. A bucket is the generic cell rate
 * algorithm's one number (ITU-T I.371 annex 1, virtual scheduling), the theoretical arrival time
 * {@code tat} of the next connection: one at {@code t} conforms when {@code tat - t <= (N - 1) x
 * interval}, and moves {@code tat} to {@code max(tat, t) + interval}; the bucket is full when
 * {@code tat <= t}. One number means one compare-and-set per take, no lock: every event loop takes
 * from it. This object is the rule; the number lives in one of the {@link Cells} (a scope's, beside
 * its open count: {@link ScopeLimiter.ScopeCell}; or a source's slot of a {@link SourceTable}, its
 * value word, in the same cache line as the source's key and count).
 */
final class TokenBucket {

  /**
   * Where buckets keep their numbers, each at an index: a double's bits, nanoseconds since the
   * rule's origin (0 is 0.0, a full bucket).
   */
  interface Cells {
    long value(int index);

    boolean compareAndSetValue(int index, long expected, long next);
  }

  private final long originNanos;
  private final double interval; // nanoseconds per token
  private final double tolerance; // how far ahead of time a full burst may run

  /** The rule for {@code rate}; every cell starts full. */
  TokenBucket(Limits.Rate rate, long originNanos) {
    this.originNanos = originNanos;
    this.interval = rate.per().toNanos() / (double) rate.count();
    this.tolerance = (rate.count() - 1) * interval;
  }

  /** Returned by {@link #taken} for a refusal: the bits of a NaN, never a number's. */
  private static final long REFUSED = -1L;

  /** The number after a connection at {@code nowNanos} takes a token from {@code bits}, or {@link #REFUSED}. */
  private long taken(long bits, long nowNanos) {
    double t = nowNanos - originNanos;
    double next = Math.max(Double.longBitsToDouble(bits), t);
    return next - t > tolerance ? REFUSED : Double.doubleToRawLongBits(next + interval);
  }

  /** The number after giving back a token taken for a connection that another rule then refused. */
  private long refunded(long bits) {
    return Double.doubleToRawLongBits(Double.longBitsToDouble(bits) - interval);
  }

  /** Takes a token at {@code nowNanos} from the bucket at {@code index} of {@code cells}, unless it is empty. */
  boolean tryTake(Cells cells, int index, long nowNanos) {
    for (;;) {
      long bits = cells.value(index);
      long next = taken(bits, nowNanos);
      if (next == REFUSED) {
        return false;
      }
      if (cells.compareAndSetValue(index, bits, next)) {
        return true;
      }
    }
  }

  /** Gives back a token taken for a connection that another rule then refused. */
  void refund(Cells cells, int index) {
    for (;;) {
      long bits = cells.value(index);
      if (cells.compareAndSetValue(index, bits, refunded(bits))) {
        return;
      }
    }
  }

  /** A number that holds its whole burst: equal to a new bucket's. */
  boolean isFull(long bits, long nowNanos) {
    return Double.longBitsToDouble(bits) <= nowNanos - originNanos;
  }
}
