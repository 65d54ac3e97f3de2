package dev.l4mux.testsupport;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Stops what a test class started, in the order given (the node before its backends, the
 * directory last), skipping what never started (null). A failure to stop one does not leave the
 * rest running: the first failure is rethrown once every one was tried.
 */
public final class Teardown {
  private Teardown() {}

  public static void closeAll(AutoCloseable... started) throws Exception {
    Exception first = null;
    for (AutoCloseable c : started) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** A Vert.x instance, closed within 10 s; null stays null. */
  public static AutoCloseable vertx(Vertx vertx) {
    return vertx == null ? null : () -> vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A temporary directory, deleted with what is below it; null stays null. */
  public static AutoCloseable dir(Path dir) {
    return dir == null ? null : () -> TempDirs.delete(dir);
  }
}
