package dev.l4mux.route;

import dev.l4mux.config.Outlier;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live state of one backend address of one route, kept across route tables (a reload keeps
 * the open-connection count and the passive verdicts): open connections, the last connect's
 * outcome, and passive outlier ejection.
 *
 * <p>Outlier ejection: {@code consecutiveFailures} failed connects in a row eject the backend for
 * {@code ejection}; each further ejection before a successful connect doubles the period (up to
 * 64x), so a backend that keeps failing is probed ever more rarely. After an ejection one failed
 * connect ejects it again.
 */
public final class BackendState {

  static final int MAX_BACKOFF_SHIFT = 6;

  private final AtomicInteger active = new AtomicInteger();
  private volatile boolean lastConnectFailed;
  private volatile long ejectedUntilNanos;
  private int consecutiveFailures;
  private int ejections;

  public int activeConnections() {
    return active.get();
  }

  boolean lastConnectFailed() {
    return lastConnectFailed;
  }

  /** True while outlier ejection keeps it out of balancing. */
  public boolean isEjected(long nowNanos) {
    long until = ejectedUntilNanos;
    return until != 0 && nowNanos - until < 0;
  }

  /** How many times in a row it was ejected (0 once a connect succeeds). */
  public synchronized int ejections() {
    return ejections;
  }

  void connected() {
    lastConnectFailed = false;
    active.incrementAndGet();
    synchronized (this) {
      consecutiveFailures = 0;
      ejections = 0;
    }
  }

  void disconnected() {
    active.decrementAndGet();
  }

  /**
   * A connect failed.
   *
   * @return true when this failure ejected it
   */
  boolean connectFailed(Outlier outlier, long nowNanos) {
    lastConnectFailed = true;
    if (outlier == null) {
      return false;
    }
    synchronized (this) {
      consecutiveFailures++;
      // After an ejection, one failure is enough: the backend was already on probation.
      int threshold = ejections > 0 ? 1 : outlier.consecutiveFailures();
      if (consecutiveFailures < threshold || isEjected(nowNanos)) {
        return false;
      }
      long period = outlier.ejection().toNanos() << Math.min(ejections, MAX_BACKOFF_SHIFT);
      ejections++;
      consecutiveFailures = 0;
      ejectedUntilNanos = nowNanos + period;
      if (ejectedUntilNanos == 0) {
        ejectedUntilNanos = 1; // 0 means "never ejected"
      }
      return true;
    }
  }
}
