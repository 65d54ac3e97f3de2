package dev.l4mux.relay;

import dev.l4mux.route.Backend;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.resolver.NameResolver;
import java.net.InetSocketAddress;

/**
 * Connects backend sockets on the event loop of their client. An IP literal is used as it is; a
 * host name goes through Vert.x's asynchronous resolver (with its cache), never a blocking lookup
 * on the event loop.
 */
final class BackendConnector {

  private final NameResolver resolver;

  BackendConnector(Vertx vertx) {
    this.resolver = ((VertxInternal) vertx).nameResolver();
  }

  /**
   * Registers {@code channel} (unregistered, its handler already in the pipeline) on {@code loop}
   * and connects it to {@code backend}. The future fails, and the channel is closed, when the
   * name does not resolve, the connect is refused, or it times out (the channel's
   * CONNECT_TIMEOUT_MILLIS).
   */
  ChannelFuture connect(EventLoop loop, Channel channel, Backend backend) {
    ChannelPromise connected = channel.newPromise();
    // Netty leaves a socket whose connect failed (refused) open: its descriptor is ours to close.
    connected.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    loop.register(channel).addListener((ChannelFutureListener) registered -> {
      if (!registered.isSuccess()) {
        channel.unsafe().closeForcibly();
        connected.setFailure(registered.cause());
        return;
      }
      InetSocketAddress literal = backend.literalAddress();
      if (literal != null) {
        channel.connect(literal, connected);
        return;
      }
      if (backend.address().isBuiltin()) {
        channel.close();
        connected.setFailure(new java.net.ConnectException(backend.address() + " is not running on this node"));
        return;
      }
      resolver.resolve(loop, backend.address().host()).addListener(resolved -> {
        if (resolved.isSuccess()) {
          InetSocketAddress address = (InetSocketAddress) resolved.getNow();
          channel.connect(new InetSocketAddress(address.getAddress(), backend.address().port()), connected);
        } else {
          channel.close();
          connected.setFailure(resolved.cause());
        }
      });
    });
    return connected;
  }
}
