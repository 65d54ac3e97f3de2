package dev.l4mux.route;

import dev.l4mux.config.Outlier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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

  /** Passive verdicts, replaced whole by compare-and-set: every event loop connects to the backend. */
  private record Failures(int consecutive, int ejections, long ejectedUntilNanos) {}

  private static final Failures NONE = new Failures(0, 0, 0);

  private final AtomicInteger active = new AtomicInteger();
  private volatile boolean lastConnectFailed;
  private final AtomicReference<Failures> failures = new AtomicReference<>(NONE);

  public int activeConnections() {
    return active.get();
  }

  boolean lastConnectFailed() {
    return lastConnectFailed;
  }

  /** True while outlier ejection keeps it out of balancing. */
  public boolean isEjected(long nowNanos) {
    return isEjected(failures.get(), nowNanos);
  }

  /** How many times in a row it was ejected (0 once a connect succeeds). */
  public int ejections() {
    return failures.get().ejections();
  }

  void connected() {
    if (lastConnectFailed) {
      lastConnectFailed = false; // written only when it changes: the common case reads only
    }
    active.incrementAndGet();
    Failures f = failures.get();
    while ((f.consecutive() != 0 || f.ejections() != 0)
        && !failures.compareAndSet(f, new Failures(0, 0, f.ejectedUntilNanos()))) {
      f = failures.get();
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
    for (;;) {
      Failures f = failures.get();
      Failures next = afterFailure(f, outlier, nowNanos);
      if (failures.compareAndSet(f, next)) {
        return next.ejections() > f.ejections();
      }
    }
  }

  private Failures afterFailure(Failures f, Outlier outlier, long nowNanos) {
    int consecutive = f.consecutive() + 1;
    // After an ejection, one failure is enough: the backend was already on probation.
    int threshold = f.ejections() > 0 ? 1 : outlier.consecutiveFailures();
    if (consecutive < threshold || isEjected(f, nowNanos)) {
      return new Failures(consecutive, f.ejections(), f.ejectedUntilNanos());
    }
    long period = outlier.ejection().toNanos() << Math.min(f.ejections(), MAX_BACKOFF_SHIFT);
    long until = nowNanos + period;
    return new Failures(0, f.ejections() + 1, until == 0 ? 1 : until); // 0 means "never ejected"
  }

  private static boolean isEjected(Failures f, long nowNanos) {
    return f.ejectedUntilNanos() != 0 && nowNanos - f.ejectedUntilNanos() < 0;
  }
}
