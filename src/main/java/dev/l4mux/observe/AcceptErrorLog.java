package dev.l4mux.observe;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reports failed accepts (out of file descriptors, typically) as one line per interval that counts
 * the attempts in between, instead of one line with a stack trace per attempt. Shared by every
 * listening socket of a node; safe to call from any event loop.
 */
public final class AcceptErrorLog {

  static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
  private final AtomicInteger suppressed = new AtomicInteger();

  /** Counts one failed accept on {@code listener}; logs it unless a line went out less than an interval ago. */
  public void failed(String listener, Throwable cause) {
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
      int more = suppressed.getAndSet(0);
      NodeLog.warning("listener " + listener + " cannot accept connections: " + cause.getMessage()
          + (more > 0 ? " (" + more + " more failed attempts in the last " + TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS) + " s)" : "")
          + "; open connections are unaffected and accepting resumes when descriptors free up");
    } else {
      suppressed.incrementAndGet();
    }
  }
}
