package dev.l4mux.config;

import java.time.Duration;

/** How long an idle relayed connection may live (CONTRACT section 3, {@code keepAlive}). */
public enum KeepAlive {
  /** Close after {@code timeouts.idle} without a byte either way. */
  STANDARD,
  /** Ten times {@code timeouts.idle}, for long-lived quiet sessions (SSH, databases). */
  EXTENDED,
  /**
   * Never closed for idleness; TCP keep-alive (on for such relays, and for any idle limit longer
   * than the kernel's keep-alive time) still detects dead peers.
   */
  IMMORTAL;

  /** The idle limit this treatment gives for a configured idle timeout, or null for none. */
  public Duration effectiveIdle(Duration idle) {
    return switch (this) {
      case STANDARD -> idle;
      case EXTENDED -> idle.multipliedBy(10);
      case IMMORTAL -> null;
    };
  }
}
