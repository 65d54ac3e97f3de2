package dev.l4mux.demo;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * One built-in backend's sockets: a TCP listening socket on a loopback ephemeral port, and for
 * {@code builtin:echo} a datagram socket too, on Vert.x's event loops (accepted connections are
 * spread over them).
 */
final class DemoServer {

  private final String name;
  private volatile Channel tcp;
  private volatile Channel udp;

  private DemoServer(String name) {
    this.name = name;
  }

  /**
   * Binds {@code name}'s sockets.
   *
   * @param connection fills a new connection's pipeline
   * @param datagrams the datagram socket's handler, or null for none
   */
  @SuppressWarnings("deprecation")
  static Future<DemoServer> bind(Vertx vertx, String name, Consumer<Channel> connection, ChannelHandler datagrams) {
    VertxInternal internal = (VertxInternal) vertx;
    Transport transport = internal.transport();
    EventLoopGroup loops = internal.nettyEventLoopGroup();
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    DemoServer server = new DemoServer(name);
    ChannelFuture tcpBound = new ServerBootstrap()
        .group(loops)
        .channelFactory(transport.serverChannelFactory(false))
        // A client's FIN is an event, so an answer still in flight is written before the close
        // (io_uring's writes complete after the read that saw the FIN).
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            connection.accept(channel);
          }
        })
        .bind(loopback);
    Future<Channel> tcp = future(tcpBound);
    Future<Channel> udp = datagrams == null
        ? Future.succeededFuture()
        : future(new Bootstrap().group(loops)
            .channelFactory(() -> transport.datagramChannel(io.netty.channel.socket.InternetProtocolFamily.IPv4))
            .handler(datagrams)
            .bind(loopback));
    return Future.all(tcp, udp).map(all -> {
      server.tcp = tcp.result();
      server.udp = udp.result();
      return server;
    }).onFailure(e -> {
      if (tcp.succeeded()) {
        tcp.result().close();
      }
      if (udp.succeeded() && udp.result() != null) {
        udp.result().close();
      }
    });
  }

  private static Future<Channel> future(ChannelFuture bound) {
    Promise<Channel> promise = Promise.promise();
    bound.addListener(f -> {
      if (f.isSuccess()) {
        promise.complete(bound.channel());
      } else {
        promise.fail(f.cause());
      }
    });
    return promise.future();
  }

  String name() {
    return name;
  }

  InetSocketAddress tcpAddress() {
    return (InetSocketAddress) tcp.localAddress();
  }

  /** The datagram socket's address, or null when it has none. */
  InetSocketAddress udpAddress() {
    Channel c = udp;
    return c == null ? null : (InetSocketAddress) c.localAddress();
  }

  /**
   * Closes the listening sockets; connections already accepted stay until their peers close them
   * (l4mux drains connections to a removed route the way the route's {@code onRemove} says).
   */
  void close() {
    tcp.close();
    if (udp != null) {
      udp.close();
    }
  }

  @Override
  public String toString() {
    return name + " on " + text(tcpAddress()) + (udp == null ? "" : " and udp " + text(udpAddress()));
  }

  private static String text(InetSocketAddress address) {
    return address.getAddress().getHostAddress() + ":" + address.getPort();
  }
}
