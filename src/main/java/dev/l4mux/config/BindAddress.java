package dev.l4mux.config;

import java.util.stream.IntStream;

/** A listener bind address: one host with a single port or an inclusive port range. */
public record BindAddress(String host, int firstPort, int lastPort) {

  public IntStream ports() {
    return IntStream.rangeClosed(firstPort, lastPort);
  }

  public HostPort at(int port) {
    return new HostPort(host, port);
  }

  @Override
  public String toString() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return firstPort == lastPort ? h + ":" + firstPort : h + ":" + firstPort + "-" + lastPort;
  }
}
