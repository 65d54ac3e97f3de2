package dev.l4mux.config;

/** A {@code host:port} or {@code [v6]:port} address; {@code host} is kept without brackets. */
public record HostPort(String host, int port) {

  /** The address as written in config, logs and metric labels ({@code [::1]:22} for IPv6). */
  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
