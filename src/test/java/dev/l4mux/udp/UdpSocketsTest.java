package dev.l4mux.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.transport.Transport;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which loops and channels the UDP data plane takes on each transport (docs/design.md, "Transport"). */
class UdpSocketsTest {

  @Test
  void anIoUringNodeRunsUdpOnEpollLoopsOfItsOwnSharedByItsListenersAndClosedWithIt() throws Exception {
    assumeTrue(Transport.IO_URING != null && Transport.IO_URING.available(), "io_uring not available here");
    Vertx vertx = Vertx.builder().withTransport(Transport.IO_URING).build();
    List<EventLoop> loops;
    try {
      UdpSockets sockets = new UdpSockets(vertx);
      loops = sockets.eventLoops();
      assertEquals(vertxLoops(vertx).size(), loops.size(), "as many UDP loops as Vert.x has");
      for (EventLoop loop : loops) {
        assertFalse(vertxLoops(vertx).contains(loop), "a UDP loop is not one of Vert.x's io_uring loops");
      }
      assertEquals(loops, new UdpSockets(vertx).eventLoops(), "a second listener shares the node's group");
      DatagramChannel listening = sockets.newListenerChannel(InetAddress.getLoopbackAddress());
      DatagramChannel backend = sockets.newBackendChannel(InetAddress.getByName("::1"));
      assertInstanceOf(EpollDatagramChannel.class, listening);
      assertInstanceOf(EpollDatagramChannel.class, backend);
      assertTrue(loops.get(0).register(listening).await(5, TimeUnit.SECONDS), "epoll channel registers on the UDP loop");
      listening.close().await(5, TimeUnit.SECONDS);
      backend.unsafe().closeForcibly();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    for (EventLoop loop : loops) {
      assertTrue(loop.awaitTermination(5, TimeUnit.SECONDS), "the UDP loops end with their node");
    }
  }

  @Test
  void anEpollNodeRunsUdpOnVertxsOwnLoops() throws Exception {
    assumeTrue(Transport.EPOLL != null && Transport.EPOLL.available(), "epoll not available here");
    Vertx vertx = Vertx.builder().withTransport(Transport.EPOLL).build();
    try {
      UdpSockets sockets = new UdpSockets(vertx);
      assertEquals(vertxLoops(vertx), sockets.eventLoops());
      DatagramChannel channel = sockets.newListenerChannel(InetAddress.getLoopbackAddress());
      assertInstanceOf(EpollDatagramChannel.class, channel);
      channel.unsafe().closeForcibly();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNioNodeRunsUdpOnVertxsOwnLoops() throws Exception {
    Vertx vertx = Vertx.builder().withTransport(Transport.NIO).build();
    try {
      UdpSockets sockets = new UdpSockets(vertx);
      Set<EventLoop> distinct = new HashSet<>(sockets.eventLoops());
      assertEquals(vertxLoops(vertx), sockets.eventLoops());
      assertEquals(distinct.size(), sockets.eventLoops().size());
      DatagramChannel channel = sockets.newBackendChannel(InetAddress.getLoopbackAddress());
      assertFalse(channel instanceof EpollDatagramChannel);
      assertSame(channel, channel.pipeline().channel());
      channel.unsafe().closeForcibly();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static List<EventLoop> vertxLoops(Vertx vertx) {
    List<EventLoop> loops = new java.util.ArrayList<>();
    for (EventExecutor executor : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      loops.add((EventLoop) executor);
    }
    return loops;
  }
}
