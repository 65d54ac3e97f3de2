package dev.l4mux.config;

import java.util.List;

/**
 * A {@code host:port} or {@code [v6]:port} address; {@code host} is kept without brackets. A
 * built-in demo backend ({@code builtin:http}, {@code builtin:tls}, {@code builtin:echo}) is
 * {@code host = "builtin:NAME"} with port 0: the node binds it on a loopback port of its own
 * (dev.l4mux.demo.DemoBackends).
 */
public record HostPort(String host, int port) {

  /** How a built-in backend is written in {@code backends[].address}. */
  public static final String BUILTIN_PREFIX = "builtin:";

  /** The built-in backends, as written. */
  public static final List<String> BUILTINS = List.of("builtin:http", "builtin:tls", "builtin:echo");

  /** A built-in backend; {@code written} is one of {@link #BUILTINS}. */
  public static HostPort builtin(String written) {
    if (!BUILTINS.contains(written)) {
      throw new IllegalArgumentException("'" + written + "' is not a built-in backend (one of " + String.join(", ", BUILTINS) + ")");
    }
    return new HostPort(written, 0);
  }

  /** True for {@code builtin:http}, {@code builtin:tls} and {@code builtin:echo}. */
  public boolean isBuiltin() {
    return port == 0 && host.startsWith(BUILTIN_PREFIX);
  }

  /** The address as written in config, logs and metric labels ({@code [::1]:22} for IPv6). */
  @Override
  public String toString() {
    if (isBuiltin()) {
      return host;
    }
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
