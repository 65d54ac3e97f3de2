package dev.l4mux.testsupport;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Heap measurements for "memory stays bounded" assertions, e.g. that relaying 100 MB through a
 * slow reader does not buffer it: compare {@link #usedAfterGc()} before and during the transfer
 * with a generous margin; a single full GC is a hint to the JVM, hence the repetition.
 */
public final class Heap {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private Heap() {}

  /**
   * Used heap in bytes after asking for a full GC until the figure stops shrinking (at most five
   * rounds).
   */
  public static long usedAfterGc() {
    long used = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      System.gc();
      long now = MEMORY.getHeapMemoryUsage().getUsed();
      if (now >= used - used / 100) {
        return Math.min(now, used);
      }
      used = now;
    }
    return used;
  }

  /** Megabytes, for readable assertion messages. */
  public static String mb(long bytes) {
    return String.format("%.1f MB", bytes / (1024.0 * 1024.0));
  }
}
