package dev.l4mux.observe;

import java.time.LocalDateTime;
import java.util.logging.Logger;

/**
 * The node's operational log ({@code java.util.logging} logger {@code l4mux}). During a SIGTERM
 * drain, java.util.logging has already reset itself in a JVM shutdown hook and would drop every
 * message; then lines go straight to stderr (or to {@code l4mux.log} with a log directory), so
 * operators still see the drain.
 */
public final class NodeLog {

  private static final Logger LOG = Logger.getLogger("l4mux");

  private NodeLog() {}

  public static void info(String message) {
    if (hasHandlers()) {
      LOG.info(message);
    } else {
      direct("INFO", message);
    }
  }

  public static void warning(String message) {
    if (hasHandlers()) {
      LOG.warning(message);
    } else {
      direct("WARNING", message);
    }
  }

  private static void direct(String level, String message) {
    String line = LocalDateTime.now() + " " + level + " l4mux: " + message;
    RotatingFile file = LogFiles.nodeLog();
    if (file != null) {
      file.write(line + "\n");
    } else {
      System.err.println(line);
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
