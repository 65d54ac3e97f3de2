package dev.l4mux.limits;

import java.net.InetAddress;

/**
 * What one connection holds in the limiters that admitted it (the node, its listener, its route),
 * released exactly once when it ends. Confined to the connection's event loop.
 */
public final class Admission {

  /** A {@code maxConnections} or {@code maxConnectionsPerIp} refusal (CONTRACT section 5). */
  public static final String LIMIT = "limit";
  /** A {@code connectionRate} or {@code connectionRatePerIp} refusal. */
  public static final String RATE = "rate";

  private final Limiters limiters;
  // At most three scopes hold a connection (node, listener, route): fields, not arrays, so an
  // admission is one small allocation.
  private ScopeLimiter scope0;
  private ScopeLimiter scope1;
  private ScopeLimiter scope2;
  private int slot0;
  private int slot1;
  private int slot2;
  private int held;
  private String refusal;

  Admission(Limiters limiters) {
    this.limiters = limiters;
  }

  /**
   * Admits the connection to its route's limits.
   *
   * @param nowNanos when the route was decided ({@link System#nanoTime}, as the caller has it)
   * @return null when admitted, else the refusal reason
   */
  public String admitRoute(String route, InetAddress client, long nowNanos) {
    return limiters.admitRoute(route, client, nowNanos, this);
  }

  /** Why the listener's limits refused it, or null when they admitted it. */
  public String refusal() {
    return refusal;
  }

  void refuse(String reason) {
    refusal = reason;
  }

  void hold(ScopeLimiter scope, int slot) {
    switch (held) {
      case 0 -> {
        scope0 = scope;
        slot0 = slot;
      }
      case 1 -> {
        scope1 = scope;
        slot1 = slot;
      }
      case 2 -> {
        scope2 = scope;
        slot2 = slot;
      }
      default -> throw new IllegalStateException("a connection is admitted by the node, its listener and its route only");
    }
    held++;
  }

  /** Gives back every slot; later calls do nothing. */
  public void release() {
    if (held > 0) {
      scope0.release(slot0);
    }
    if (held > 1) {
      scope1.release(slot1);
    }
    if (held > 2) {
      scope2.release(slot2);
    }
    scope0 = null;
    scope1 = null;
    scope2 = null;
    held = 0;
  }
}
