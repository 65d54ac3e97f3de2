package dev.l4mux.relay;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the Netty channels of the data plane, on Vert.x's own event loops and with the transport
 * the node chose ({@code NetworkTransport}: io_uring, else epoll, else NIO).
 *
 * <p>Why not Vert.x's {@code NetServer}/{@code NetClient}: the data plane needs none of what they
 * add per connection (a read queue, an outbound queue, a context, metrics hooks, every socket
 * option written whether set or not: 14 {@code setsockopt} calls per relayed connection, measured
 * with strace), and their shared accept thread hands every connection to another loop, one wakeup
 * each. Here every loop accepts on its own SO_REUSEPORT socket and the connection, its backend and
 * every byte stay on that loop (docs/design.md, "data plane").
 */
final class Sockets {

  /** Listen queue per socket; the kernel caps it at {@code net.core.somaxconn}. */
  static final int ACCEPT_BACKLOG = 4096;

  /**
   * Bytes queued towards a socket before its source is paused, and the level to resume at: a few
   * reads' worth, so bulk transfers keep the pipe full while what one connection can hold stays
   * bounded (1 MiB a direction, plus one read). Measured with iperf3 (docs/performance.md).
   */
  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(512 * 1024, 1024 * 1024);

  /**
   * Read buffers start small (a ClientHello or a request fits in 2 KiB) and grow to this for bulk
   * flows: fewer, larger reads and writes (256 KiB: +15% on one iperf3 stream over 64 KiB).
   */
  static final int MAX_READ = 256 * 1024;

  /** {@code net.ipv4.tcp_keepalive_time}, or its Linux default where it cannot be read. */
  private static final Duration KERNEL_KEEPALIVE_TIME = kernelKeepAliveTime();

  private final ChannelFactory<? extends Channel> channels;
  private final ChannelFactory<? extends ServerChannel> serverChannels;
  private final List<EventLoop> loops;

  Sockets(Vertx vertx) {
    VertxInternal internal = (VertxInternal) vertx;
    Transport transport = internal.transport();
    this.channels = transport.channelFactory(false);
    this.serverChannels = transport.serverChannelFactory(false);
    List<EventLoop> all = new ArrayList<>();
    for (EventExecutor executor : internal.nettyEventLoopGroup()) {
      all.add((EventLoop) executor);
    }
    this.loops = List.copyOf(all);
  }

  /** Vert.x's event loops: one listening socket per loop and address. */
  List<EventLoop> eventLoops() {
    return loops;
  }

  /** An unregistered listening socket with SO_REUSEPORT, so every loop (and node) can bind the port. */
  ServerChannel newServerChannel() {
    ServerChannel channel = serverChannels.newChannel();
    ChannelConfig config = channel.config();
    config.setOption(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG);
    config.setOption(ChannelOption.SO_REUSEADDR, true);
    if (channel instanceof EpollServerSocketChannel) {
      config.setOption(EpollChannelOption.SO_REUSEPORT, true);
    } else if (channel instanceof io.netty.channel.uring.IoUringServerSocketChannel) {
      config.setOption(io.netty.channel.uring.IoUringChannelOption.SO_REUSEPORT, true);
    } else {
      config.setOption(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
    }
    return channel;
  }

  /** An unregistered socket for a backend connection. */
  Channel newBackendChannel(int connectTimeoutMillis) {
    Channel channel = channels.newChannel();
    configureRelayed(channel);
    channel.config().setOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
    return channel;
  }

  /**
   * Sets TCP_CORK (tcp(7)): the kernel holds a partial segment until uncorked or closed, so data
   * written before a close leaves with the FIN. Costs one system call; NIO has no cork.
   */
  static void cork(Channel channel) {
    if (channel instanceof io.netty.channel.uring.IoUringSocketChannel) {
      channel.config().setOption(io.netty.channel.uring.IoUringChannelOption.TCP_CORK, true);
    } else if (channel instanceof io.netty.channel.epoll.EpollSocketChannel) {
      channel.config().setOption(EpollChannelOption.TCP_CORK, true);
    }
  }

  /**
   * Options of every relayed socket, accepted or connected. TCP_NODELAY is Netty's default for
   * both transports; the rest are Netty-side settings that cost no system call.
   */
  static void configureRelayed(Channel channel) {
    ChannelConfig config = channel.config();
    config.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true); // a FIN is an event, not a close (Relay)
    config.setWriteBufferWaterMark(WATER_MARK);
    config.setAllocator(ByteBufAllocator.DEFAULT);
    config.setRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ));
  }

  /**
   * True when a relay with this idle limit (null: none) needs the kernel's TCP keep-alive to find
   * a dead peer: only when the limit is longer than the kernel's keep-alive time
   * ({@code net.ipv4.tcp_keepalive_time}), since the idle timeout closes a silent connection
   * before the first probe otherwise. Saves a system call and a kernel timer per socket.
   */
  static boolean needsTcpKeepAlive(Duration idleLimit) {
    return idleLimit == null || idleLimit.compareTo(KERNEL_KEEPALIVE_TIME) > 0;
  }

  static void enableTcpKeepAlive(Channel channel) {
    channel.config().setOption(ChannelOption.SO_KEEPALIVE, true);
  }

  static Duration kernelKeepAliveTime() {
    // One read call: a sysctl file answers only a read at offset 0 (a second read sees the end),
    // and Files.readString reads 1 byte first when the size is 0, as /proc reports it.
    try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/tcp_keepalive_time"))) {
      byte[] text = new byte[32];
      int n = in.read(text);
      return Duration.ofSeconds(Long.parseLong(new String(text, 0, Math.max(0, n), StandardCharsets.US_ASCII).trim()));
    } catch (IOException | RuntimeException unreadable) {
      return Duration.ofHours(2);
    }
  }
}
