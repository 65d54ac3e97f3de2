package dev.l4mux.relay;

import dev.l4mux.NodeState;
import dev.l4mux.config.BindAddress;
import dev.l4mux.config.HostPort;
import dev.l4mux.config.ListenerConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One TCP listener: for every address and port of its config, one listening socket per event loop
 * (SO_REUSEPORT: the kernel spreads new connections over them, and over other nodes on the host),
 * each accepting onto its own loop (see {@link Acceptor}).
 *
 * <p>Undeploying drains: the sockets stop listening at once; connections still sniffing or
 * connecting are closed, relaying ones get until {@code timeouts.drain} to finish, then the rest
 * are closed.
 */
public final class ListenerVerticle extends VerticleBase {

  private static final long DRAIN_POLL_MS = 50;

  private final ListenerConfig config;
  private final NodeState state;
  private final List<Channel> listening = new CopyOnWriteArrayList<>();
  private Sockets sockets;
  private ListenerRuntime runtime;

  public ListenerVerticle(ListenerConfig config, NodeState state) {
    this.config = config;
    this.state = state;
  }

  @Override
  public Future<?> start() {
    sockets = new Sockets(vertx);
    Map<EventLoop, ClosedBatch> batches = new LinkedHashMap<>();
    for (EventLoop loop : sockets.eventLoops()) {
      batches.put(loop, new ClosedBatch(loop, ((VertxInternal) vertx).contextBuilder().withEventLoop(loop).build()));
    }
    runtime = new ListenerRuntime(config, state, sockets, new BackendConnector(vertx), batches);
    List<Future<Integer>> binds = new ArrayList<>();
    for (BindAddress bind : config.bind()) {
      bind.ports().forEach(port -> binds.add(bindOnEveryLoop(bind.host(), port)));
    }
    return Future.all(binds)
        .onSuccess(all -> state.boundPorts(config.name(), binds.stream().map(Future::result).distinct().toList()))
        .onFailure(failed -> listening.forEach(Channel::close));
  }

  /**
   * Binds one listening socket per event loop. Port 0 binds the first loop's socket to a free
   * port and the others to that same port, so the listener has one port however many loops.
   */
  private Future<Integer> bindOnEveryLoop(String host, int port) {
    List<EventLoop> loops = sockets.eventLoops();
    Future<Integer> first = bind(loops.get(0), host, port);
    return first.compose(actual -> {
      List<Future<Integer>> others = new ArrayList<>();
      for (EventLoop loop : loops.subList(1, loops.size())) {
        others.add(bind(loop, host, actual));
      }
      return Future.all(others).map(actual);
    });
  }

  private Future<Integer> bind(EventLoop loop, String host, int port) {
    Promise<Integer> bound = ((ContextInternal) context).promise();
    ServerChannel channel = sockets.newServerChannel();
    channel.pipeline().addLast(new Acceptor(config.name(), runtime, state.acceptErrors()));
    loop.register(channel).addListener(registered -> {
      if (!registered.isSuccess()) {
        bound.fail(bindFailure(host, port, registered.cause()));
        return;
      }
      listening.add(channel);
      channel.bind(new InetSocketAddress(host, port)).addListener((ChannelFuture done) -> {
        if (done.isSuccess()) {
          bound.complete(((InetSocketAddress) channel.localAddress()).getPort());
        } else {
          channel.close();
          bound.fail(bindFailure(host, port, done.cause()));
        }
      });
    });
    return bound.future();
  }

  private IllegalStateException bindFailure(String host, int port, Throwable cause) {
    return new IllegalStateException("listener " + config.name() + ": cannot bind " + new HostPort(host, port) + ": " + cause.getMessage(), cause);
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closes = new ArrayList<>();
    for (Channel channel : listening) {
      Promise<Void> closed = ((ContextInternal) context).promise();
      channel.close().addListener(done -> closed.complete());
      closes.add(closed.future());
    }
    return Future.join(closes).compose(v -> drain(config.timeouts().drain()));
  }

  /**
   * Tells this listener's connections the node drains, waits until they are gone or the limit
   * passed, closes what is left and publishes the last closed-connection facts.
   */
  private Future<Void> drain(Duration limit) {
    forEachOwnConnection(ProxiedConnection::drainFromAnyThread);
    Promise<Void> drained = ((ContextInternal) context).promise();
    long deadline = System.nanoTime() + limit.toNanos();
    vertx.setPeriodic(1, DRAIN_POLL_MS, timer -> {
      boolean overdue = System.nanoTime() >= deadline;
      if (runtime.openConnections() == 0 || overdue) {
        vertx.cancelTimer(timer);
        if (overdue) {
          forEachOwnConnection(c -> c.closeFromAnyThread("drain"));
        }
        drained.complete();
      }
    });
    return drained.future().compose(v -> vertx.timer(DRAIN_POLL_MS)).map(v -> {
      runtime.publishAll();
      return null;
    });
  }

  private void forEachOwnConnection(java.util.function.Consumer<ProxiedConnection> action) {
    for (ProxiedConnection connection : state.connections().all()) {
      if (connection.owner() == runtime) {
        action.accept(connection);
      }
    }
  }
}
