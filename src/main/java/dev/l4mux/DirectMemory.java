package dev.l4mux;

/**
 * Lets Netty make direct buffers without a {@code java.lang.ref.Cleaner}. Each cleaner registration
 * and removal takes one JVM-wide monitor ({@code jdk.internal.ref.Cleaner} is {@code static
 * synchronized}), which the event loops and the JDK's reference handler share: Netty's io_uring
 * transport allocates a small direct buffer for every connect, so under connection churn two loops
 * blocked each other there (JFR, {@code EventLoopsNeverWaitIT}; docs/performance.md). Netty frees
 * buffers made without a cleaner itself; it needs the {@code java.nio} package opened to it, which
 * the jar's manifest does ({@code Add-Opens}).
 */
final class DirectMemory {

  static final String PROPERTY = "io.netty.tryReflectionSetAccessible";

  private DirectMemory() {}

  /** Must run before the first Netty class is initialised; an explicit setting wins. */
  static void useBuffersWithoutCleaner() {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, "true");
    }
  }
}
