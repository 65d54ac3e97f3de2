package dev.l4mux.route;

import dev.l4mux.config.BackendConfig;
import dev.l4mux.config.HostPort;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend of one route in one route table, with the live state balancing needs. Passive health:
 * a failed connect marks it down, a successful one up; down backends are tried last.
 */
public final class Backend {

  private final String route;
  private final BackendConfig config;
  private final InetSocketAddress literalAddress;
  private final AtomicInteger active = new AtomicInteger();
  private volatile boolean up = true;

  Backend(String route, BackendConfig config) {
    this.route = route;
    this.config = config;
    this.literalAddress = literal(config.address());
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

  /** The socket address when the host is an IP literal (connect without resolving), else null. */
  public InetSocketAddress literalAddress() {
    return literalAddress;
  }

  public int weight() {
    return config.weight();
  }

  public int activeConnections() {
    return active.get();
  }

  public boolean isUp() {
    return up;
  }

  /** Called on the connecting event loop when a connection to this backend opened. */
  public void connected() {
    up = true;
    active.incrementAndGet();
  }

  /** Called when a relayed connection to this backend ended. */
  public void disconnected() {
    active.decrementAndGet();
  }

  /** Called when a connect attempt failed (refused or timed out). */
  public void connectFailed() {
    up = false;
  }

  @Override
  public String toString() {
    return route + "->" + config.address();
  }
}
