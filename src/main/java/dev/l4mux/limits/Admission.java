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
  private ScopeLimiter[] scopes = new ScopeLimiter[3];
  private ScopeLimiter.Source[] sources = new ScopeLimiter.Source[3];
  private int held;
  private String refusal;

  Admission(Limiters limiters) {
    this.limiters = limiters;
  }

  /**
   * Admits the connection to its route's limits.
   *
   * @return null when admitted, else the refusal reason
   */
  public String admitRoute(String route, InetAddress client) {
    return limiters.admitRoute(route, client, this);
  }

  /** Why the listener's limits refused it, or null when they admitted it. */
  public String refusal() {
    return refusal;
  }

  void refuse(String reason) {
    refusal = reason;
  }

  void hold(ScopeLimiter scope, ScopeLimiter.Source source) {
    if (held == scopes.length) {
      scopes = java.util.Arrays.copyOf(scopes, held * 2);
      sources = java.util.Arrays.copyOf(sources, held * 2);
    }
    scopes[held] = scope;
    sources[held] = source;
    held++;
  }

  /** Gives back every slot; later calls do nothing. */
  public void release() {
    for (int i = 0; i < held; i++) {
      scopes[i].release(sources[i]);
      scopes[i] = null;
      sources[i] = null;
    }
    held = 0;
  }
}
