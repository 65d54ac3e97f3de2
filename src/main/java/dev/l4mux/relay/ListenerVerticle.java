package dev.l4mux.relay;

import dev.l4mux.NodeState;
import dev.l4mux.config.BindAddress;
import dev.l4mux.config.ListenerConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One TCP listener: binds every address and port of its config and hands each accepted socket to a
 * {@link ProxiedConnection} on this verticle's event loop. Deployed with one instance per event
 * loop; Vert.x spreads accepted connections over the instances (and SO_REUSEPORT over nodes).
 *
 * <p>Undeploying drains: the servers stop accepting, open connections get until
 * {@code timeouts.drain} to finish, then the rest are closed.
 */
public final class ListenerVerticle extends VerticleBase {

  private final ListenerConfig config;
  private final NodeState state;
  private final List<NetServer> servers = new ArrayList<>();
  private NetClient backendClient;

  public ListenerVerticle(ListenerConfig config, NodeState state) {
    this.config = config;
    this.state = state;
  }

  @Override
  public Future<?> start() {
    backendClient =
        vertx.createNetClient(
            new NetClientOptions().setTcpNoDelay(true).setTcpKeepAlive(true).setReuseAddress(true));
    List<Future<NetServer>> binds = new ArrayList<>();
    for (int i = 0; i < config.bind().size(); i++) {
      BindAddress bind = config.bind().get(i);
      int bindIndex = i;
      bind.ports().forEach(port -> binds.add(listen(bind.host(), port == 0 ? state.ephemeralPortKey(config.name(), bindIndex) : port)));
    }
    return Future.all(binds)
        .onSuccess(all -> state.boundPorts(config.name(), servers.stream().map(NetServer::actualPort).distinct().toList()));
  }

  /**
   * @param port a real port, or a negative key standing for an ephemeral port: Vert.x gives every
   *     server listening with the same negative key the same random port, so all instances of this
   *     listener share one port while other listeners get their own
   */
  private Future<NetServer> listen(String host, int port) {
    NetServerOptions options =
        new NetServerOptions()
            .setHost(host)
            .setPort(port)
            .setReuseAddress(true)
            .setReusePort(true)
            .setTcpNoDelay(true)
            .setTcpKeepAlive(true)
            .setAcceptBacklog(4096);
    NetServer server = vertx.createNetServer(options).connectHandler(this::accept);
    return server
        .listen()
        .onSuccess(servers::add)
        .recover(failure -> Future.failedFuture(new IllegalStateException(
            "listener " + config.name() + ": cannot bind " + host + ":" + port + ": " + failure.getMessage(), failure)));
  }

  private void accept(NetSocket socket) {
    long id = state.connections().nextId();
    ListenerConfig current = state.routeTable() == null ? config : state.routeTable().listener(config.name()).orElse(config);
    new ProxiedConnection(id, vertx, context, state, backendClient, current, socket).start();
  }

  @Override
  public Future<?> stop() {
    long drainMs = config.timeouts().drain().toMillis();
    List<Future<Void>> shutdowns = new ArrayList<>();
    for (NetServer server : servers) {
      shutdowns.add(server.shutdown(drainMs, TimeUnit.MILLISECONDS));
    }
    shutdowns.add(backendClient.shutdown(drainMs, TimeUnit.MILLISECONDS));
    return Future.join(shutdowns);
  }
}
