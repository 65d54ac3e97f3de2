package dev.l4mux.route;

import dev.l4mux.config.BackendConfig;
import dev.l4mux.config.HostPort;
import dev.l4mux.config.Outlier;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.logging.Logger;

/**
 * A backend of one route in one route table. Its live state ({@link BackendState}: open
 * connections, passive verdicts) and its active check's verdict ({@link ActiveStatus}) outlive
 * the table, so a reload keeps them.
 *
 * <p>Two kinds of "down": a backend that active health marks down or outlier ejection removed is
 * not {@linkplain #isEligible() eligible} and never picked; a backend whose last connect failed
 * (passive health) is only a guess, so it is still tried, after the others.
 */
public final class Backend {

  private static final Logger LOG = Logger.getLogger(Backend.class.getName());

  private final String route;
  private final BackendConfig config;
  private final InetSocketAddress literalAddress;
  private final BackendState state;
  private final ActiveStatus active;
  private final Outlier outlier;
  private final BuiltinAddresses builtins;

  /** A backend with state of its own and passive health only (tests, tools). */
  Backend(String route, BackendConfig config) {
    this(route, config, new BackendState(), null, null, BuiltinAddresses.NONE);
  }

  Backend(String route, BackendConfig config, BackendState state, ActiveStatus active, Outlier outlier) {
    this(route, config, state, active, outlier, BuiltinAddresses.NONE);
  }

  Backend(String route, BackendConfig config, BackendState state, ActiveStatus active, Outlier outlier, BuiltinAddresses builtins) {
    this.route = route;
    this.config = config;
    this.literalAddress = literal(config.address());
    this.state = state;
    this.active = active;
    this.outlier = outlier;
    this.builtins = builtins;
  }

  private static InetSocketAddress literal(HostPort address) {
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(address.host());
    if (ip == null) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), address.port());
    } catch (UnknownHostException impossible) { // only thrown for a wrong length
      return null;
    }
  }

  public String route() {
    return route;
  }

  public HostPort address() {
    return config.address();
  }

  /**
   * The socket address when the host is an IP literal (connect without resolving), else null. A
   * built-in backend's is its loopback port now (null while it is not bound).
   */
  public InetSocketAddress literalAddress() {
    return config.address().isBuiltin() ? builtins.address(config.address(), false) : literalAddress;
  }

  /** As {@link #literalAddress()}, for UDP flows: a built-in backend's datagram port. */
  public InetSocketAddress datagramAddress() {
    return config.address().isBuiltin() ? builtins.address(config.address(), true) : literalAddress;
  }

  public int weight() {
    return config.weight();
  }

  public int activeConnections() {
    return state.activeConnections();
  }

  /** May be picked: not down by active health, not ejected as an outlier. */
  public boolean isEligible() {
    return (active == null || active.isUp()) && !state.isEjected(System.nanoTime());
  }

  /** Eligible, and its last connect (if any) succeeded: what {@code l4mux_backend_up} reports. */
  public boolean isUp() {
    return isEligible() && !state.lastConnectFailed();
  }

  /** The active check's verdict, or null without active checks. */
  public ActiveStatus activeStatus() {
    return active;
  }

  /** Why it is not up, or null when it is. */
  public String downReason() {
    if (active != null && !active.isUp()) {
      return "active check: " + active.reason();
    }
    if (state.isEjected(System.nanoTime())) {
      return "ejected after failed connects (" + state.ejections() + " in a row)";
    }
    if (state.lastConnectFailed()) {
      return "last connect failed";
    }
    return null;
  }

  /** Called on the connecting event loop when a connection to this backend opened. */
  public void connected() {
    state.connected();
  }

  /** Called when a relayed connection to this backend ended. */
  public void disconnected() {
    state.disconnected();
  }

  /** Called when a connect attempt failed (refused or timed out). */
  public void connectFailed() {
    if (state.connectFailed(outlier, System.nanoTime())) {
      LOG.warning(() -> "backend " + this + " ejected after failed connects (ejection " + state.ejections() + " in a row)");
    }
  }

  @Override
  public String toString() {
    return route + "->" + config.address();
  }
}
