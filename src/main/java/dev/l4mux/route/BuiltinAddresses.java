package dev.l4mux.route;

import dev.l4mux.config.HostPort;
import java.net.InetSocketAddress;

/**
 * Where a node serves its built-in demo backends ({@code builtin:http}, ...): loopback ports bound
 * while a configuration names them (dev.l4mux.demo.DemoBackends).
 */
@FunctionalInterface
public interface BuiltinAddresses {

  /** None bound (tables built without a node: tests, tools, {@code validate}). */
  BuiltinAddresses NONE = (builtin, datagram) -> null;

  /**
   * The loopback address a built-in backend listens on now, or null when it is not bound (not yet,
   * or for {@code datagram} flows, which only {@code builtin:echo} answers).
   */
  InetSocketAddress address(HostPort builtin, boolean datagram);
}
