package dev.l4mux.udp;

import dev.l4mux.NetworkTransport;
import dev.l4mux.observe.NodeLog;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Makes the datagram channels of the UDP data plane and gives the event loops they run on.
 *
 * <p>On an epoll or NIO node, Vert.x's own loops and transport, as {@code relay.Sockets} does for
 * TCP. On an io_uring node, epoll loops of the data plane's own (as many as Vert.x has, one group
 * per node, shut down with it), because Netty 4.2.12's io_uring datagram channel gives every
 * socket two fixed arrays of 256 msghdr buffers (about 170 KiB of heap, measured) and l4mux opens
 * a socket per flow: 1,000 flows took 805 MiB of RSS against 225 on epoll, and the default
 * {@code maxUdpFlows} would take gigabytes. TCP keeps io_uring's cheaper connection churn
 * (docs/design.md, "Transport"). A flow touches only Netty's loop scheduling and the event bus,
 * never a Vert.x context, so its loop need not be one of Vert.x's.
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

  /** Each io_uring node's UDP epoll loops, by its Vert.x (tests run several nodes in one JVM). */
  private static final Map<Vertx, EventLoopGroup> EPOLL_LOOPS = new ConcurrentHashMap<>();

  private final Transport transport; // Vert.x's, or null: this data plane's own epoll loops
  private final List<EventLoop> loops;

  UdpSockets(Vertx vertx) {
    VertxInternal internal = (VertxInternal) vertx;
    EventLoopGroup group = internal.nettyEventLoopGroup();
    if (NetworkTransport.describe(vertx).equals("io_uring") && Epoll.isAvailable()) {
      group = EPOLL_LOOPS.computeIfAbsent(vertx, node -> epollLoops(internal));
      this.transport = null;
    } else {
      this.transport = internal.transport();
    }
    this.loops = loopsOf(group);
  }

  private static List<EventLoop> loopsOf(EventLoopGroup group) {
    List<EventLoop> all = new ArrayList<>();
    for (EventExecutor executor : group) {
      all.add((EventLoop) executor);
    }
    return List.copyOf(all);
  }

  /** A node's epoll loops for UDP: as many as its Vert.x loops, shut down when its Vert.x closes. */
  private static EventLoopGroup epollLoops(VertxInternal vertx) {
    int threads = loopsOf(vertx.nettyEventLoopGroup()).size();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("l4mux-udp-loop", true),
        EpollIoHandler.newFactory());
    vertx.addCloseHook(completion -> {
      EPOLL_LOOPS.remove(vertx, group);
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(done -> completion.succeed());
    });
    NodeLog.info("UDP listeners on " + threads + " epoll event loops of their own (Netty's io_uring datagram channel costs"
        + " about 170 KiB of heap per UDP flow); TCP stays on io_uring");
    return group;
  }

  List<EventLoop> eventLoops() {
    return loops;
  }

  /** An unregistered listening datagram socket with SO_REUSEPORT: one per loop (and node) per port. */
  @SuppressWarnings("deprecation")
  DatagramChannel newListenerChannel(InetAddress bindHost) {
    DatagramChannel channel = newChannel(bindHost);
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
  DatagramChannel newBackendChannel(InetAddress backendHost) {
    DatagramChannel channel = newChannel(backendHost);
    configure(channel, MAX_BACKEND_DATAGRAM);
    return channel;
  }

  private static void configure(DatagramChannel channel, int readBuffer) {
    channel.config().setAllocator(ByteBufAllocator.DEFAULT);
    channel.config().setRecvByteBufAllocator(
        new FixedRecvByteBufAllocator(readBuffer).maxMessagesPerRead(READS_PER_WAKEUP));
  }

  private DatagramChannel newChannel(InetAddress address) {
    if (transport == null) {
      return new EpollDatagramChannel(address instanceof Inet6Address ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET);
    }
    return transport.datagramChannel(family(address));
  }

  /** Vert.x 5.0's transport SPI still takes Netty's deprecated family type (its only overload). */
  @SuppressWarnings("deprecation")
  private static InternetProtocolFamily family(InetAddress address) {
    return address instanceof Inet6Address ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
  }
}
