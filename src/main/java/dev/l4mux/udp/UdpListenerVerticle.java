package dev.l4mux.udp;

import dev.l4mux.NodeState;
import dev.l4mux.config.BindAddress;
import dev.l4mux.config.HostPort;
import dev.l4mux.config.ListenerConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;

/**
 * One UDP listener ({@code transport: udp}): for every address and port, one datagram socket per
 * event loop with SO_REUSEPORT (the kernel hashes each client address and port to one of them),
 * each with its own flow table ({@link ListenerSocket}). Undeploying closes the sockets and ends
 * the flows at once: a datagram flow has no stream to finish.
 */
public final class UdpListenerVerticle extends VerticleBase {

  private final ListenerConfig config;
  private final NodeState state;
  private final List<ListenerSocket> sockets = new CopyOnWriteArrayList<>();
  private UdpSockets factory;
  private UdpListener listener;

  public UdpListenerVerticle(ListenerConfig config, NodeState state) {
    this.config = config;
    this.state = state;
  }

  @Override
  public Future<?> start() {
    factory = new UdpSockets(vertx);
    listener = new UdpListener(config, state, vertx, factory);
    List<Future<Integer>> binds = new ArrayList<>();
    for (BindAddress bind : config.bind()) {
      bind.ports().forEach(port -> binds.add(bindOnEveryLoop(bind.host(), port)));
    }
    return Future.all(binds)
        .onSuccess(all -> state.boundPorts(config.name(), binds.stream().map(Future::result).distinct().toList()))
        .onFailure(failed -> sockets.forEach(s -> s.channel().close()));
  }

  /** As for TCP: port 0 takes a free port on the first loop, the other loops bind that port. */
  private Future<Integer> bindOnEveryLoop(String host, int port) {
    List<EventLoop> loops = factory.eventLoops();
    return bind(loops.get(0), host, port).compose(actual -> {
      List<Future<Integer>> others = new ArrayList<>();
      for (EventLoop loop : loops.subList(1, loops.size())) {
        others.add(bind(loop, host, actual));
      }
      return Future.all(others).map(actual);
    });
  }

  private Future<Integer> bind(EventLoop loop, String host, int port) {
    Promise<Integer> bound = ((ContextInternal) context).promise();
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return Future.failedFuture(bindFailure(host, port, e));
    }
    DatagramChannel channel = factory.newListenerChannel(address);
    ListenerSocket socket = new ListenerSocket(listener);
    channel.pipeline().addLast("l4mux-udp-listener", socket);
    loop.register(channel).addListener(registered -> {
      if (!registered.isSuccess()) {
        bound.fail(bindFailure(host, port, registered.cause()));
        return;
      }
      sockets.add(socket);
      channel.bind(new InetSocketAddress(address, port)).addListener((ChannelFuture done) -> {
        if (done.isSuccess()) {
          bound.complete(channel.localAddress().getPort());
        } else {
          channel.close();
          bound.fail(bindFailure(host, port, done.cause()));
        }
      });
    });
    return bound.future();
  }

  private IllegalStateException bindFailure(String host, int port, Throwable cause) {
    return new IllegalStateException("listener " + config.name() + ": cannot bind udp " + new HostPort(host, port) + ": " + cause.getMessage(), cause);
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closes = new ArrayList<>();
    for (ListenerSocket socket : sockets) {
      Promise<Void> closed = ((ContextInternal) context).promise();
      try {
        socket.loop().execute(() -> {
          socket.endAll("listener_closed");
          socket.channel().close().addListener(done -> closed.complete());
        });
      } catch (RejectedExecutionException e) {
        closed.complete(); // the node's own UDP loops were shut down first: their sockets are closed
      }
      closes.add(closed.future());
    }
    return Future.join(closes);
  }
}
