package dev.l4mux.udp;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the datagram channels of the UDP data plane with the node's transport (io_uring, epoll
 * or NIO, as {@code relay.Sockets} does for TCP), on Vert.x's own event loops.
 */
final class UdpSockets {

  /** Largest UDP payload (65,535 - 8 - 20); every read buffer holds a whole datagram. */
  static final int MAX_DATAGRAM = 65_507;

  /**
   * Datagrams read per wakeup before the loop moves on (Netty's maxMessagesPerRead): a batch per
   * read readiness, bounded so one busy socket cannot starve the loop's other channels.
   */
  static final int READS_PER_WAKEUP = 32;

  private final Transport transport;
  private final List<EventLoop> loops;

  UdpSockets(Vertx vertx) {
    VertxInternal internal = (VertxInternal) vertx;
    this.transport = internal.transport();
    List<EventLoop> all = new ArrayList<>();
    for (EventExecutor executor : internal.nettyEventLoopGroup()) {
      all.add((EventLoop) executor);
    }
    this.loops = List.copyOf(all);
  }

  List<EventLoop> eventLoops() {
    return loops;
  }

  /** An unregistered listening datagram socket with SO_REUSEPORT: one per loop (and node) per port. */
  @SuppressWarnings("deprecation")
  DatagramChannel newListenerChannel(InetAddress bindHost) {
    DatagramChannel channel = transport.datagramChannel(family(bindHost));
    configure(channel);
    channel.config().setOption(ChannelOption.SO_REUSEADDR, true);
    if (channel instanceof EpollDatagramChannel) {
      channel.config().setOption(EpollChannelOption.SO_REUSEPORT, true);
    } else if (channel instanceof io.netty.channel.uring.IoUringDatagramChannel) {
      channel.config().setOption(io.netty.channel.uring.IoUringChannelOption.SO_REUSEPORT, true);
    } else {
      channel.config().setOption(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
    }
    return channel;
  }

  /** An unregistered socket for one flow's backend (connected, so it hears only its backend). */
  @SuppressWarnings("deprecation")
  DatagramChannel newBackendChannel(InetAddress backendHost) {
    DatagramChannel channel = transport.datagramChannel(family(backendHost));
    configure(channel);
    return channel;
  }

  private static void configure(DatagramChannel channel) {
    channel.config().setAllocator(ByteBufAllocator.DEFAULT);
    channel.config().setRecvByteBufAllocator(
        new FixedRecvByteBufAllocator(MAX_DATAGRAM).maxMessagesPerRead(READS_PER_WAKEUP));
  }

  /** Vert.x 5.0's transport SPI still takes Netty's deprecated family type (its only overload). */
  @SuppressWarnings("deprecation")
  private static InternetProtocolFamily family(InetAddress address) {
    return address instanceof Inet6Address ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
  }
}
