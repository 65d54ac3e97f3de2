package dev.l4mux.reliability;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Thousands of connections would print thousands of access log lines on the test JVM's stdout
 * (and corrupt failsafe's channel); the scenarios count close reasons from the event bus instead.
 * Raises the {@code l4mux.access} level for one test and restores it afterwards.
 */
final class QuietAccessLog implements BeforeEachCallback, AfterEachCallback {

  private static final Logger ACCESS = Logger.getLogger("l4mux.access");
  private Level before;

  @Override
  public void beforeEach(ExtensionContext context) {
    before = ACCESS.getLevel();
    ACCESS.setLevel(Level.WARNING);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    ACCESS.setLevel(before);
  }
}
