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

  /** Largest UDP payload (65,535 - 8 - 20): a listening socket's reads hold any datagram. */
  static final int MAX_DATAGRAM = 65_507;

  /**
   * Read buffer of a flow's backend socket: a jumbo frame's payload. io_uring keeps a read with
   * its buffers posted per socket, so 64 KiB each made 1,000 new flows crawl (2 datagrams/s against
   * 2,100 with this size, bench udp1000); replies beyond it are cut by the kernel (MSG_TRUNC), where
   * paths have an MTU of 1,500 at most anyway (QUIC, WireGuard, DNS stay below it).
   */
  static final int MAX_BACKEND_DATAGRAM = 9_216;

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
    configure(channel, MAX_DATAGRAM);
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
    configure(channel, MAX_BACKEND_DATAGRAM);
    return channel;
  }

  private static void configure(DatagramChannel channel, int readBuffer) {
    channel.config().setAllocator(ByteBufAllocator.DEFAULT);
    channel.config().setRecvByteBufAllocator(
        new FixedRecvByteBufAllocator(readBuffer).maxMessagesPerRead(READS_PER_WAKEUP));
  }

  /** Vert.x 5.0's transport SPI still takes Netty's deprecated family type (its only overload). */
  @SuppressWarnings("deprecation")
  private static InternetProtocolFamily family(InetAddress address) {
    return address instanceof Inet6Address ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
  }
}
