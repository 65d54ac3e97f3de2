package dev.l4mux.observe;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * When a listener cannot accept (out of file descriptors, typically), Netty reports every failed
 * attempt as an unhandled pipeline exception with a stack trace. This filter replaces those with
 * one l4mux line per interval that counts the attempts in between; connections already open are
 * not affected, and accepting resumes by itself once descriptors free up.
 */
public final class AcceptErrorLog implements Filter {

  static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Held strongly: java.util.logging keeps loggers only weakly, and with them their filters. */
  private static final Logger NETTY_PIPELINE = Logger.getLogger("io.netty.channel.DefaultChannelPipeline");

  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
  private final AtomicInteger suppressed = new AtomicInteger();

  private AcceptErrorLog() {}

  /** Installs the filter once per JVM. */
  public static synchronized void install() {
    if (!(NETTY_PIPELINE.getFilter() instanceof AcceptErrorLog)) {
      NETTY_PIPELINE.setFilter(new AcceptErrorLog());
    }
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    Throwable thrown = record.getThrown();
    String message = thrown == null ? null : thrown.getMessage();
    if (message == null || !message.startsWith("accept(")) {
      return true;
    }
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
      int more = suppressed.getAndSet(0);
      NodeLog.warning("a listener cannot accept connections: " + message
          + (more > 0 ? " (" + more + " more failed attempts in the last " + TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS) + " s)" : "")
          + "; open connections are unaffected and accepting resumes when descriptors free up");
    } else {
      suppressed.incrementAndGet();
    }
    return false;
  }
}
