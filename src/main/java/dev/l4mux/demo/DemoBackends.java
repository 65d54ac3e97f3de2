package dev.l4mux.demo;

import dev.l4mux.config.BackendConfig;
import dev.l4mux.config.HostPort;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.observe.NodeLog;
import dev.l4mux.route.BuiltinAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's built-in demo backends ({@code builtin:http}, {@code builtin:tls}, {@code builtin:echo}):
 * a demo and test aid, so a configuration shows routing end to end with nothing else installed.
 * Each is bound on a loopback ephemeral port when a configuration names it, and closed when none
 * does any more; they run on the node's event loops. Route tables look their ports up per connect.
 */
public final class DemoBackends implements BuiltinAddresses {

  private final Vertx vertx;
  private final String node;
  private final TlsDemo tls = new TlsDemo();
  private final Map<String, Future<DemoServer>> servers = new ConcurrentHashMap<>();

  public DemoBackends(Vertx vertx, String node) {
    this.vertx = vertx;
    this.node = node;
  }

  /** The built-in backends {@code config} names, as written. */
  public static Set<String> named(L4muxConfig config) {
    Set<String> names = new TreeSet<>();
    config.routes().forEach(r -> r.backends().stream().map(BackendConfig::address).filter(HostPort::isBuiltin)
        .forEach(a -> names.add(a.host())));
    return names;
  }

  /**
   * Binds the built-in backends {@code config} names that are not bound yet and closes those it no
   * longer names. Call from one thread (the root verticle's context).
   */
  public Future<Void> reconcile(L4muxConfig config) {
    Set<String> wanted = named(config);
    for (String name : List.copyOf(servers.keySet())) {
      if (!wanted.contains(name)) {
        servers.remove(name).onSuccess(server -> {
          server.close();
          NodeLog.info("built-in backend " + name + " closed (no route names it any more)");
        });
      }
    }
    List<Future<DemoServer>> binding = new ArrayList<>();
    for (String name : wanted) {
      Future<DemoServer> server = servers.get(name);
      if (server == null || server.failed()) { // a failed bind is tried again with the next configuration
        server = bind(name);
        servers.put(name, server);
      }
      binding.add(server);
    }
    return Future.all(binding).mapEmpty();
  }

  private Future<DemoServer> bind(String name) {
    Future<DemoServer> bound = switch (name) {
      case "builtin:http" -> DemoServer.bind(vertx, name, c -> HttpDemo.install(c.pipeline(), name, node), null);
      case "builtin:tls" -> DemoServer.bind(vertx, name, c -> tls.install(c.pipeline(), name, node), null);
      case "builtin:echo" -> DemoServer.bind(vertx, name, c -> c.pipeline().addLast("echo", EchoDemo.tcp()), EchoDemo.udp());
      default -> Future.failedFuture(new IllegalArgumentException("no built-in backend " + name));
    };
    return bound
        .onSuccess(server -> NodeLog.info("built-in backend " + server + " (a demo and test aid)"))
        .onFailure(e -> NodeLog.warning("built-in backend " + name + " could not bind: " + e.getMessage()));
  }

  @Override
  public InetSocketAddress address(HostPort builtin, boolean datagram) {
    Future<DemoServer> server = servers.get(builtin.host());
    if (server == null || !server.succeeded()) {
      return null;
    }
    return datagram ? server.result().udpAddress() : server.result().tcpAddress();
  }

  /** Closes every built-in backend (the node stops). */
  public void closeAll() {
    servers.values().forEach(f -> f.onSuccess(DemoServer::close));
    servers.clear();
  }
}
