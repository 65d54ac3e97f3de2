package dev.l4mux.observe;

import java.time.LocalDateTime;
import java.util.logging.Logger;

/**
 * The node's operational log ({@code java.util.logging} logger {@code l4mux}). During a SIGTERM
 * drain, java.util.logging has already reset itself in a JVM shutdown hook and would drop every
 * message; then lines go straight to stderr, so operators still see the drain.
 */
public final class NodeLog {

  private static final Logger LOG = Logger.getLogger("l4mux");

  private NodeLog() {}

  public static void info(String message) {
    if (hasHandlers()) {
      LOG.info(message);
    } else {
      System.err.println(LocalDateTime.now() + " INFO l4mux: " + message);
    }
  }

  public static void warning(String message) {
    if (hasHandlers()) {
      LOG.warning(message);
    } else {
      System.err.println(LocalDateTime.now() + " WARNING l4mux: " + message);
    }
  }

  private static boolean hasHandlers() {
    for (Logger l = LOG; l != null; l = l.getUseParentHandlers() ? l.getParent() : null) {
      if (l.getHandlers().length > 0) {
        return true;
      }
    }
    return false;
  }
}
